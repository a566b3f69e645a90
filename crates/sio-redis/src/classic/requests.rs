//! The requests this node waits on (fetchSockets, allRooms, serverSideEmit with ack): the answers counted
//! against the number of servers, and a deadline.

use sio_protocol::Value;
use sio_server::adapter::{Room, SocketDetails};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;

/// What a request gathers.
pub(crate) enum Gathered {
    Sockets(Vec<SocketDetails>),
    Rooms(HashSet<Room>),
    Responses(Vec<Value>),
}

struct Pending {
    /// Answers that complete the request.
    expected: usize,
    /// Answers so far (a fetch counts this node's own answer as the first).
    received: usize,
    gathered: Gathered,
    done: Option<oneshot::Sender<()>>,
}

/// The pending requests of one adapter, by request id.
#[derive(Default)]
pub(crate) struct Requests {
    pending: Mutex<HashMap<String, Pending>>,
}

/// How a request ended.
pub(crate) enum Outcome {
    /// Every server answered.
    Complete(Gathered),
    /// The deadline passed: what came, and how many answers were expected.
    TimedOut(Gathered, usize),
}

impl Requests {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `id` is one of this node's own requests.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    /// Starts waiting for `expected` answers (`received` already counted); returns what the waiter awaits.
    pub(crate) fn start(
        &self,
        id: &str,
        expected: usize,
        received: usize,
        gathered: Gathered,
    ) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(
            id.to_owned(),
            Pending {
                expected,
                received,
                gathered,
                done: Some(tx),
            },
        );
        rx
    }

    /// Adds one server's answer to the request `id`, if it is pending.
    pub(crate) fn answer(&self, id: &str, add: impl FnOnce(&mut Gathered)) {
        let mut pending = self.lock();
        let Some(p) = pending.get_mut(id) else {
            return;
        };
        add(&mut p.gathered);
        p.received += 1;
        if p.received >= p.expected {
            if let Some(done) = p.done.take() {
                let _ = done.send(());
            }
        }
    }

    /// Waits until the request `id` completes or `timeout` passes, and removes it.
    pub(crate) async fn finish(
        &self,
        id: &str,
        rx: oneshot::Receiver<()>,
        timeout: Duration,
    ) -> Outcome {
        let complete = matches!(tokio::time::timeout(timeout, rx).await, Ok(Ok(())));
        let p = self.lock().remove(id);
        match p {
            Some(p) if complete => Outcome::Complete(p.gathered),
            Some(p) => Outcome::TimedOut(p.gathered, p.expected),
            None => Outcome::TimedOut(Gathered::Responses(Vec::new()), 0),
        }
    }
}

/// A random id of `len` alphanumeric characters, as npm `uid2` makes them.
pub(crate) fn uid2(len: usize) -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}
