//! An unbounded queue from any number of senders to one task: the commands to a manager's task, the
//! frames to a session's task, a session's signals to its manager.
//!
//! What tokio's unbounded channel does for these, in 128 bytes a queue (and what it holds) instead of
//! 1.3 KiB (tokio's keeps a cache-padded state and allocates its slots 32 at a time): a connected client
//! holds three. What each queue carries is bounded by its users (see [`crate::Bounds`]).

use crate::events::lock;
use futures_util::task::AtomicWaker;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use tokio::sync::Notify;

/// Capacity an empty queue may keep after a burst.
const KEPT: usize = 16;

struct Shared<T> {
    queue: Mutex<VecDeque<T>>,
    /// The receiving task.
    receiver: AtomicWaker,
    /// Senders alive (weak ones not counted).
    senders: AtomicUsize,
    /// The receiver is gone.
    closed: AtomicBool,
    /// Told when the receiver is gone.
    on_close: Notify,
}

/// Sends to the queue; the receiver sees the end once every sender is gone.
pub(crate) struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A sender that does not keep the queue open: [`WeakSender::upgrade`] gives a sender while others live.
pub(crate) struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

/// The one receiving end.
pub(crate) struct Receiver<T> {
    shared: Arc<Shared<T>>,
}

/// A new queue.
pub(crate) fn mailbox<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        queue: Mutex::new(VecDeque::new()),
        receiver: AtomicWaker::new(),
        senders: AtomicUsize::new(1),
        closed: AtomicBool::new(false),
        on_close: Notify::new(),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared },
    )
}

impl<T> Sender<T> {
    /// Queues `value`, or gives it back when the receiver is gone.
    pub fn send(&self, value: T) -> Result<(), T> {
        {
            let mut queue = lock(&self.shared.queue);
            // Checked under the lock: the receiver's drop empties the queue under it too.
            if self.shared.closed.load(Ordering::Acquire) {
                return Err(value);
            }
            queue.push_back(value);
        }
        self.shared.receiver.wake();
        Ok(())
    }

    /// Whether the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// Resolves once the receiver is gone.
    pub async fn closed(&self) {
        loop {
            let notified = self.shared.on_close.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }

    /// A sender that does not keep the queue open.
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.receiver.wake();
        }
    }
}

impl<T> WeakSender<T> {
    /// A sender, unless every sender is gone.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut n = self.shared.senders.load(Ordering::Acquire);
        loop {
            if n == 0 {
                return None;
            }
            match self.shared.senders.compare_exchange_weak(
                n,
                n + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Some(Sender {
                        shared: self.shared.clone(),
                    })
                }
                Err(now) => n = now,
            }
        }
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Receiver<T> {
    /// The next value; `None` once it is empty and every sender is gone. Cancel-safe.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| {
            // Registered before looking: a send after the look wakes this task.
            self.shared.receiver.register(cx.waker());
            if let Some(value) = self.try_recv() {
                return Poll::Ready(Some(value));
            }
            if self.shared.senders.load(Ordering::Acquire) == 0 {
                // A last send may have come just before the last sender left.
                return Poll::Ready(self.try_recv());
            }
            Poll::Pending
        })
        .await
    }

    /// The next value if one is waiting.
    pub fn try_recv(&mut self) -> Option<T> {
        let mut queue = lock(&self.shared.queue);
        let value = queue.pop_front();
        if queue.is_empty() && queue.capacity() > KEPT {
            queue.shrink_to(KEPT);
        }
        value
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let queued = {
            let mut queue = lock(&self.shared.queue);
            self.shared.closed.store(true, Ordering::Release);
            std::mem::take(&mut *queue)
        };
        // What was queued is dropped as the receiver would have: outside the lock.
        drop(queued);
        self.shared.on_close.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn delivers_in_order_then_ends_when_senders_are_gone() {
        let (tx, mut rx) = mailbox();
        let tx2 = tx.clone();
        let weak = tx.downgrade();
        tx.send(1).unwrap();
        tx2.send(2).unwrap();
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.try_recv(), Some(2));
        assert_eq!(rx.try_recv(), None);
        drop(tx);
        let woken = tokio::spawn(async move { rx.recv().await });
        tokio::task::yield_now().await;
        weak.upgrade().unwrap().send(3).unwrap();
        drop(tx2);
        assert!(weak.upgrade().is_none(), "weak senders do not keep it open");
        assert_eq!(woken.await.unwrap(), Some(3));
    }

    #[tokio::test]
    async fn a_pending_receive_sees_the_last_sender_leave() {
        let (tx, mut rx) = mailbox::<u8>();
        let ended = tokio::spawn(async move { rx.recv().await });
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(tx);
        assert_eq!(ended.await.unwrap(), None);
    }

    #[tokio::test]
    async fn senders_see_the_receiver_leave_and_get_their_value_back() {
        let (tx, rx) = mailbox();
        let watcher = tx.clone();
        let closed = tokio::spawn(async move { watcher.closed().await });
        tx.send(Arc::new(())).unwrap();
        let value = Arc::new(());
        assert!(!tx.is_closed());
        drop(rx);
        assert!(tx.is_closed());
        tokio::time::timeout(Duration::from_secs(5), closed)
            .await
            .expect("closed() resolves")
            .unwrap();
        let back = tx.send(value.clone()).unwrap_err();
        assert!(Arc::ptr_eq(&back, &value));
    }

    #[tokio::test]
    async fn an_empty_queue_gives_back_a_burst_s_capacity() {
        let (tx, mut rx) = mailbox();
        for i in 0..1000 {
            tx.send(i).unwrap();
        }
        while rx.try_recv().is_some() {}
        assert!(lock(&rx.shared.queue).capacity() <= KEPT);
    }
}
