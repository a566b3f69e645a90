//! The acknowledgements a socket waits for: its own emits' and its share of broadcasts'.

use super::{AckWaiter, Socket};
use crate::adapter::AckCollector;
use crate::sync::lock;
use sio_protocol::Value;
use tokio::sync::oneshot;

impl Socket {
    /// Waits for this socket's answer to a broadcast with an ack (`id` is the broadcast's).
    pub(crate) fn register_broadcast_ack(&self, id: u64, acks: AckCollector) {
        lock(&self.0.state)
            .acks
            .insert(id, AckWaiter::Broadcast(acks));
    }

    /// Stops waiting for answer `id` (its timeout passed).
    pub(crate) fn remove_ack(&self, id: u64) {
        lock(&self.0.state).acks.remove(&id);
    }

    /// The client answered `id`.
    pub(super) fn on_ack(&self, id: u64, args: Vec<Value>) {
        let waiter = lock(&self.0.state).acks.remove(&id);
        match waiter {
            Some(AckWaiter::Single(tx)) => {
                let _ = tx.send(args);
            }
            Some(AckWaiter::Broadcast(acks)) => {
                acks.answer(args.into_iter().next().unwrap_or(Value::Null));
            }
            None => tracing::debug!(sid = %self.0.id, id, "ack for an unknown id ignored"),
        }
    }

    /// Waits for the client's answer `id` to one of this socket's emits.
    pub(super) fn register_ack(&self, id: u64) -> oneshot::Receiver<Vec<Value>> {
        let (tx, rx) = oneshot::channel();
        lock(&self.0.state).acks.insert(id, AckWaiter::Single(tx));
        rx
    }
}
