//! `HandlerQueue`: what waits for one handler task, in order, and that task's wake-up; the one queue behind
//! a socket's listeners (`dispatch`) and the manager's and engine's observers (`events`). Their policies
//! differ and stay with them: a socket's deliveries are bounded by the credits they hold (nothing is
//! dropped), an observer's by a backlog past which emissions are dropped.
//!
//! Also what every handler task does around its handlers: [`before_handlers`] and [`call`].

use crate::events::{lock, Callback};
use futures_util::task::AtomicWaker;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::task::{Context, Poll};

/// Deliveries waiting for a handler task (no capacity kept while idle), and its wake-up.
pub(crate) struct HandlerQueue<D> {
    waiting: Mutex<VecDeque<D>>,
    wake: AtomicWaker,
}

impl<D> Default for HandlerQueue<D> {
    fn default() -> Self {
        HandlerQueue {
            waiting: Mutex::default(),
            wake: AtomicWaker::new(),
        }
    }
}

impl<D> HandlerQueue<D> {
    /// Queues a delivery and wakes the task.
    pub fn push(&self, delivery: D) {
        lock(&self.waiting).push_back(delivery);
        self.wake.wake();
    }

    /// How many deliveries wait (not yet taken by the task).
    pub fn len(&self) -> usize {
        lock(&self.waiting).len()
    }

    /// Takes everything waiting, or registers the task to be woken by the next push.
    pub fn poll_take(&self, cx: &mut Context<'_>) -> Poll<VecDeque<D>> {
        self.wake.register(cx.waker());
        let batch = std::mem::take(&mut *lock(&self.waiting));
        if batch.is_empty() {
            Poll::Pending
        } else {
            Poll::Ready(batch)
        }
    }

    /// Puts the rest of a batch back, first in line.
    pub fn put_back(&self, mut batch: VecDeque<D>) {
        let mut waiting = lock(&self.waiting);
        batch.append(&mut waiting);
        *waiting = batch;
    }

    /// Wakes the task (its owner is going away: the task ends).
    pub fn wake(&self) {
        self.wake.wake();
    }
}

/// Lets the runtime see that this task may be about to block its thread, before it runs user handlers.
///
/// A task woken by another one on the same worker runs next on that worker, and the runtime wakes no other
/// worker for it: if its handler then blocks, nothing may poll the I/O driver or the timers until it
/// returns (a slow handler would stall reading and the heartbeat). A task that wakes itself is queued
/// as a yield instead, which wakes an idle worker; that one then owns the driver, or takes over the
/// queue, while this one runs the handlers.
pub(crate) async fn before_handlers() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

/// Calls one handler of the event `name`; a panic ends that call only, not the handler task (later events
/// are still delivered).
pub(crate) fn call<E>(handler: &Callback<E>, event: E, name: &str) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(event))).is_err() {
        tracing::error!(event = %name, "a handler panicked");
    }
}
