//! Keeps the local part of operations in the order they were called. An operation published to the other
//! nodes acts locally only once the transport took it (the offset may be needed); when the caller does not
//! await it (a socket's synchronous emit), it finishes on a task of its own, and two such tasks could
//! otherwise run their local parts in either order. Each operation takes a ticket when it starts and waits
//! for its turn before acting locally; a ticket dropped before its turn gives it up.

use std::collections::BTreeSet;
use std::sync::Mutex;
use tokio::sync::Notify;

/// The order of the local parts of one adapter's operations.
#[derive(Default)]
pub(crate) struct Turnstile {
    state: Mutex<State>,
    turn: Notify,
}

#[derive(Default)]
struct State {
    /// The next ticket to give.
    next: u64,
    /// The ticket whose turn it is.
    serving: u64,
    /// Tickets dropped before their turn.
    given_up: BTreeSet<u64>,
}

/// One operation's place in the order; its turn passes on when it is dropped.
pub(crate) struct Ticket<'a> {
    turnstile: &'a Turnstile,
    number: u64,
}

impl Turnstile {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place after every operation started so far.
    pub(crate) fn ticket(&self) -> Ticket<'_> {
        let mut state = self.lock();
        let number = state.next;
        state.next += 1;
        Ticket {
            turnstile: self,
            number,
        }
    }
}

impl Ticket<'_> {
    /// Waits until every operation started before this one has acted locally (or given up).
    pub(crate) async fn turn(&self) {
        loop {
            let notified = self.turnstile.turn.notified();
            if self.turnstile.lock().serving == self.number {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        let mut guard = self.turnstile.lock();
        let state = &mut *guard;
        if state.serving == self.number {
            state.serving += 1;
            while state.given_up.remove(&state.serving) {
                state.serving += 1;
            }
        } else {
            state.given_up.insert(self.number);
        }
        drop(guard);
        self.turnstile.turn.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[test]
    fn turns_follow_tickets() {
        let t = Turnstile::default();
        let first = t.ticket();
        let second = t.ticket();
        assert!(second.turn().now_or_never().is_none());
        assert!(first.turn().now_or_never().is_some());
        drop(first);
        assert!(second.turn().now_or_never().is_some());
    }

    #[test]
    fn a_ticket_dropped_early_gives_up_its_turn() {
        let t = Turnstile::default();
        let first = t.ticket();
        let second = t.ticket();
        let third = t.ticket();
        drop(second);
        assert!(third.turn().now_or_never().is_none());
        drop(first);
        assert!(third.turn().now_or_never().is_some());
    }
}
