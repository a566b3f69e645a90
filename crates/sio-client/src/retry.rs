//! The in-order retry queue behind the `retries` option: one packet in flight, retried until acked or out of tries.
//!
//! With the send buffer, it is bounded by [`crate::Bounds::buffered_emits`]: `emit` refuses past it.

use std::collections::VecDeque;

/// An entry's place in the queue, stable across tries.
pub(crate) type Seq = u64;

struct Entry<T> {
    seq: Seq,
    tries: u32,
    pending: bool,
    item: T,
}

/// What happens after a try timed out.
#[derive(Debug, PartialEq)]
pub(crate) enum TimeoutOutcome<T> {
    /// The entry stays at the front; send it again.
    Retry,
    /// Out of tries: the entry left the queue.
    GiveUp(T),
    /// The timeout is for an entry that is not in flight any more.
    Stale,
}

/// Emits waiting for an ack, delivered one at a time in order (at-least-once).
pub(crate) struct RetryQueue<T> {
    entries: VecDeque<Entry<T>>,
    next_seq: Seq,
    retries: u32,
}

impl<T> RetryQueue<T> {
    pub fn new(retries: u32) -> Self {
        RetryQueue {
            entries: VecDeque::new(),
            next_seq: 0,
            retries,
        }
    }

    pub fn push(&mut self, item: T) -> Seq {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.push_back(Entry {
            seq,
            tries: 0,
            pending: false,
            item,
        });
        seq
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The front entry to send now, if it is not already in flight (or `force` after a reconnection).
    /// Counts a try.
    pub fn next_to_send(&mut self, force: bool) -> Option<(Seq, &T)> {
        let front = self.entries.front_mut()?;
        if front.pending && !force {
            return None;
        }
        front.pending = true;
        front.tries += 1;
        Some((front.seq, &front.item))
    }

    /// The server acked try `seq`: the entry leaves the queue.
    pub fn on_ack(&mut self, seq: Seq) -> Option<T> {
        if self.entries.front().map(|e| e.seq) != Some(seq) {
            return None;
        }
        self.entries.pop_front().map(|e| e.item)
    }

    /// Try `seq` got no ack in time.
    pub fn on_timeout(&mut self, seq: Seq) -> TimeoutOutcome<T> {
        let Some(front) = self.entries.front_mut() else {
            return TimeoutOutcome::Stale;
        };
        if front.seq != seq {
            return TimeoutOutcome::Stale;
        }
        if front.tries > self.retries {
            match self.entries.pop_front() {
                Some(e) => TimeoutOutcome::GiveUp(e.item),
                None => TimeoutOutcome::Stale,
            }
        } else {
            front.pending = false;
            TimeoutOutcome::Retry
        }
    }

    /// The connection dropped: the front entry is sent again after the next CONNECT.
    pub fn on_disconnect(&mut self) {
        if let Some(front) = self.entries.front_mut() {
            front.pending = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_in_flight_in_order() {
        let mut q = RetryQueue::new(2);
        let a = q.push("a");
        let b = q.push("b");
        assert_eq!(q.next_to_send(false), Some((a, &"a")));
        assert_eq!(q.next_to_send(false), None, "a is in flight");
        assert_eq!(q.on_ack(b), None, "only the front can be acked");
        assert_eq!(q.on_ack(a), Some("a"));
        assert_eq!(q.next_to_send(false), Some((b, &"b")));
        assert_eq!(q.on_ack(b), Some("b"));
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn retries_then_gives_up() {
        let mut q = RetryQueue::new(2);
        let a = q.push("a");
        q.push("b");
        for _ in 0..2 {
            assert_eq!(q.next_to_send(false).map(|(s, _)| s), Some(a));
            assert_eq!(q.on_timeout(a), TimeoutOutcome::Retry);
        }
        assert_eq!(q.next_to_send(false).map(|(s, _)| s), Some(a));
        assert_eq!(q.on_timeout(a), TimeoutOutcome::GiveUp("a"));
        assert_eq!(q.on_timeout(a), TimeoutOutcome::Stale);
        assert_eq!(q.next_to_send(false).map(|(_, i)| *i), Some("b"));
    }

    #[test]
    fn disconnect_and_force_resend_the_front() {
        let mut q = RetryQueue::new(0);
        let a = q.push(1);
        assert!(q.next_to_send(false).is_some());
        q.on_disconnect();
        assert_eq!(q.next_to_send(false), Some((a, &1)));
        assert_eq!(
            q.next_to_send(true),
            Some((a, &1)),
            "force resends even when pending"
        );
    }
}
