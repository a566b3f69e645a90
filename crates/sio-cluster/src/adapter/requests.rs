//! The requests this node waits on (fetchSockets, serverSideEmit with ack): one entry per request id,
//! completed by the responses or by the departure of the nodes it waits for, bounded by a timeout.

use sio_protocol::Value;
use sio_server::adapter::SocketDetails;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;

/// What the responses to one request brought.
#[derive(Debug)]
pub(crate) enum Collected {
    /// FETCH_SOCKETS_RESPONSE: the sockets (this node's first).
    Sockets(Vec<SocketDetails>),
    /// SERVER_SIDE_EMIT_RESPONSE: one answer per node.
    Values(Vec<Value>),
}

/// One response's content.
pub(crate) enum Answer {
    Sockets(Vec<SocketDetails>),
    Value(Value),
}

struct Pending {
    /// How many responses complete the request (counting mode).
    expected: usize,
    /// How many came.
    current: usize,
    /// Heartbeat mode: the nodes that have not answered yet (the request completes when it is empty).
    missing: Option<HashSet<String>>,
    collected: Collected,
    done: oneshot::Sender<Collected>,
}

impl Pending {
    fn complete(&self) -> bool {
        match &self.missing {
            Some(missing) => missing.is_empty(),
            None => self.current >= self.expected,
        }
    }
}

/// A request that timed out: what came, and the official error text.
pub(crate) struct TimedOut {
    pub collected: Collected,
    pub message: String,
}

/// The pending requests of one adapter.
#[derive(Default)]
pub(crate) struct Requests {
    map: Mutex<HashMap<String, Pending>>,
}

impl Requests {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a request expecting `expected` responses or, in heartbeat mode, one from each of
    /// `missing`; `collected` holds this node's own part.
    pub fn register(
        &self,
        id: String,
        expected: usize,
        missing: Option<HashSet<String>>,
        collected: Collected,
    ) -> oneshot::Receiver<Collected> {
        let (done, rx) = oneshot::channel();
        let pending = Pending {
            expected,
            current: 0,
            missing,
            collected,
            done,
        };
        self.lock().insert(id, pending);
        rx
    }

    /// Forgets a request (its publication failed).
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Adds a response from `uid`; completes the request when it was the last one expected. A response to
    /// an unknown request, or of the wrong kind, is ignored.
    pub fn answer(&self, id: &str, uid: &str, answer: Answer) {
        let mut map = self.lock();
        let Some(pending) = map.get_mut(id) else {
            tracing::debug!(request = id, "response to an unknown request");
            return;
        };
        match (&mut pending.collected, answer) {
            (Collected::Sockets(all), Answer::Sockets(sockets)) => all.extend(sockets),
            (Collected::Values(all), Answer::Value(value)) => all.push(value),
            _ => {
                tracing::warn!(request = id, "response of the wrong kind: ignored");
                return;
            }
        }
        pending.current += 1;
        if let Some(missing) = &mut pending.missing {
            missing.remove(uid);
        }
        if pending.complete() {
            if let Some(pending) = map.remove(id) {
                let _ = pending.done.send(pending.collected);
            }
        }
    }

    /// A node left the cluster: the requests that only waited for it complete.
    pub fn node_gone(&self, uid: &str) {
        let mut map = self.lock();
        let done: Vec<String> = map
            .iter_mut()
            .filter_map(|(id, pending)| {
                let missing = pending.missing.as_mut()?;
                missing.remove(uid);
                missing.is_empty().then(|| id.clone())
            })
            .collect();
        for id in done {
            if let Some(pending) = map.remove(&id) {
                let _ = pending.done.send(pending.collected);
            }
        }
    }

    /// Waits for request `id` at most `timeout`; on timeout forgets it and returns what came.
    pub async fn wait(
        &self,
        id: &str,
        mut rx: oneshot::Receiver<Collected>,
        timeout: Duration,
    ) -> Result<Collected, TimedOut> {
        if let Ok(Ok(collected)) = tokio::time::timeout(timeout, &mut rx).await {
            return Ok(collected);
        }
        let pending = self.lock().remove(id);
        match pending {
            Some(p) => {
                let message = match &p.missing {
                    Some(missing) => {
                        format!("timeout reached: missing {} responses", missing.len())
                    }
                    None => format!(
                        "timeout reached: only {} responses received out of {}",
                        p.current, p.expected
                    ),
                };
                Err(TimedOut {
                    collected: p.collected,
                    message,
                })
            }
            // Completed between the timeout and the lock.
            None => rx.try_recv().map_err(|_| TimedOut {
                collected: Collected::Values(Vec::new()),
                message: "request dropped".into(),
            }),
        }
    }

    /// How many requests are pending.
    pub fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn completes_on_count_times_out_with_partial_and_node_departure() {
        let requests = Requests::default();
        let rx = requests.register("a".into(), 2, None, Collected::Values(vec![]));
        requests.answer("a", "n1", Answer::Value(Value::from(1)));
        requests.answer("a", "n2", Answer::Value(Value::from(2)));
        match requests.wait("a", rx, Duration::from_secs(1)).await {
            Ok(Collected::Values(v)) => assert_eq!(v, vec![Value::from(1), Value::from(2)]),
            _ => panic!("not completed"),
        }

        let rx = requests.register("b".into(), 2, None, Collected::Values(vec![]));
        requests.answer("b", "n1", Answer::Value(Value::from(1)));
        let Err(timed_out) = requests.wait("b", rx, Duration::from_millis(20)).await else {
            panic!("completed with one response of two");
        };
        assert_eq!(
            timed_out.message,
            "timeout reached: only 1 responses received out of 2"
        );
        assert_eq!(requests.len(), 0);

        let missing: HashSet<String> = ["n1".to_string(), "n2".to_string()].into();
        let rx = requests.register("c".into(), 2, Some(missing), Collected::Sockets(vec![]));
        requests.answer("c", "n1", Answer::Sockets(vec![]));
        requests.node_gone("n2");
        assert!(requests.wait("c", rx, Duration::from_secs(1)).await.is_ok());

        let missing: HashSet<String> = ["n1".to_string()].into();
        let rx = requests.register("d".into(), 1, Some(missing), Collected::Sockets(vec![]));
        requests.answer("d", "n1", Answer::Value(Value::Null));
        let Err(timed_out) = requests.wait("d", rx, Duration::from_millis(20)).await else {
            panic!("a response of the wrong kind completed the request");
        };
        assert_eq!(timed_out.message, "timeout reached: missing 1 responses");
    }
}
