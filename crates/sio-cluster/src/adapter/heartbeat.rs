//! Heartbeat mode: the nodes this node has heard from, and the task that sends heartbeats and drops silent
//! nodes.

use super::ClusterAdapter;
use crate::message::MessageBody;
use crate::options::HeartbeatOptions;
use crate::transport::Transport;
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, Weak};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// The other nodes, by uid, with when each was last heard from, and when this node last published.
pub(crate) struct Nodes {
    pub opts: HeartbeatOptions,
    seen: Mutex<HashMap<String, Instant>>,
    last_publish: Mutex<Instant>,
}

impl Nodes {
    pub fn new(opts: HeartbeatOptions) -> Self {
        Nodes {
            opts,
            seen: Mutex::new(HashMap::new()),
            last_publish: Mutex::new(Instant::now()),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A message came from `uid`.
    pub fn heard(&self, uid: &str) {
        self.seen().insert(uid.to_owned(), Instant::now());
    }

    /// Forgets `uid`; whether it was known.
    pub fn remove(&self, uid: &str) -> bool {
        self.seen().remove(uid).is_some()
    }

    /// How many other nodes are alive.
    pub fn count(&self) -> usize {
        self.seen().len()
    }

    /// Their uids.
    pub fn uids(&self) -> HashSet<String> {
        self.seen().keys().cloned().collect()
    }

    /// The nodes silent for longer than the timeout (they are not removed here).
    fn silent(&self, now: Instant) -> Vec<String> {
        self.seen()
            .iter()
            .filter(|(_, last)| now.duration_since(**last) > self.opts.timeout)
            .map(|(uid, _)| uid.clone())
            .collect()
    }

    /// This node published something (the heartbeat timer restarts).
    pub fn published(&self) {
        *self.last_publish.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    fn heartbeat_due_at(&self) -> Instant {
        *self.last_publish.lock().unwrap_or_else(|e| e.into_inner()) + self.opts.interval
    }
}

/// Runs the heartbeat task of `adapter` until `stop` changes or the adapter is dropped: a HEARTBEAT when
/// the interval has passed since the last publication, and every check period the removal of silent nodes.
pub(crate) fn spawn<T: Transport>(
    adapter: Weak<ClusterAdapter<T>>,
    mut stop: watch::Receiver<bool>,
) {
    let Some(first) = adapter.upgrade() else {
        return;
    };
    let Some(opts) = first.nodes.as_ref().map(|n| n.opts) else {
        return;
    };
    drop(first);
    let check = (opts.timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    tokio::spawn(async move {
        let mut next_check = Instant::now() + check;
        loop {
            let due = match adapter.upgrade() {
                Some(a) => a.nodes.as_ref().map(Nodes::heartbeat_due_at),
                None => return,
            };
            let Some(due) = due else { return };
            let wake = due.min(next_check);
            tokio::select! {
                _ = stop.changed() => return,
                _ = tokio::time::sleep_until(wake) => {}
            }
            let Some(adapter) = adapter.upgrade() else {
                return;
            };
            let Some(nodes) = adapter.nodes.as_ref() else {
                return;
            };
            let now = Instant::now();
            if now >= next_check {
                next_check = now + check;
                for uid in nodes.silent(now) {
                    tracing::debug!(uid = %adapter.uid, node = %uid, "node seems down");
                    adapter.remove_node(&uid);
                }
            }
            if now >= nodes.heartbeat_due_at() {
                if let Err(error) = adapter.publish(MessageBody::Heartbeat).await {
                    tracing::warn!(uid = %adapter.uid, %error, "heartbeat not published");
                    // Do not retry at once.
                    nodes.published();
                }
            }
        }
    });
}
