//! The socket's buffers: packets emitted while disconnected, and events received before the CONNECT reply.
//!
//! Both are bounded by their owner (see [`crate::Bounds`]): `emit` refuses once the send buffer and the
//! retry queue hold `buffered_emits`; events past `incoming` before the CONNECT reply are dropped.

use sio_protocol::Value;
use std::collections::VecDeque;

/// An emit waiting for the connection.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outgoing {
    pub event: String,
    pub args: Vec<Value>,
    pub ack_id: Option<u64>,
}

/// Emits made while disconnected, flushed in order after CONNECT.
#[derive(Debug, Default)]
pub(crate) struct SendBuffer {
    items: VecDeque<Outgoing>,
}

impl SendBuffer {
    pub fn push(&mut self, o: Outgoing) {
        self.items.push_back(o);
    }

    /// Drops the buffered emit waiting on `ack_id` (its ack timed out before it could be sent).
    pub fn remove_ack(&mut self, ack_id: u64) -> bool {
        let before = self.items.len();
        self.items.retain(|o| o.ack_id != Some(ack_id));
        before != self.items.len()
    }

    pub fn contains_ack(&self, ack_id: u64) -> bool {
        self.items.iter().any(|o| o.ack_id == Some(ack_id))
    }

    pub fn drain(&mut self) -> Vec<Outgoing> {
        self.items.drain(..).collect()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
}

/// An event received before the socket was connected.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Incoming {
    pub event: String,
    pub args: Vec<Value>,
    pub ack_id: Option<u64>,
}

/// Events received before CONNECT, delivered right after it.
#[derive(Debug, Default)]
pub(crate) struct ReceiveBuffer {
    items: VecDeque<Incoming>,
}

impl ReceiveBuffer {
    pub fn push(&mut self, i: Incoming) {
        self.items.push_back(i);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn drain(&mut self) -> Vec<Incoming> {
        self.items.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(event: &str, ack_id: Option<u64>) -> Outgoing {
        Outgoing {
            event: event.into(),
            args: vec![Value::from(1)],
            ack_id,
        }
    }

    #[test]
    fn send_buffer_keeps_order_and_drops_timed_out_acks() {
        let mut b = SendBuffer::default();
        b.push(out("a", None));
        b.push(out("b", Some(0)));
        b.push(out("c", Some(1)));
        assert!(b.contains_ack(0));
        assert!(b.remove_ack(0));
        assert!(!b.remove_ack(0));
        let names: Vec<String> = b.drain().into_iter().map(|o| o.event).collect();
        assert_eq!(names, vec!["a", "c"]);
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn receive_buffer_delivers_in_order() {
        let mut r = ReceiveBuffer::default();
        for e in ["x", "y"] {
            r.push(Incoming {
                event: e.into(),
                args: vec![],
                ack_id: None,
            });
        }
        let names: Vec<String> = r.drain().into_iter().map(|i| i.event).collect();
        assert_eq!(names, vec!["x", "y"]);
        assert!(r.drain().is_empty());
    }
}
