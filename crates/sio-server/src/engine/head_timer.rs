//! The timer behind hyper's request-head timeout on [`listen`](super::Engine::listen): a coarse
//! clock swept once per tick for all connections, where a timer-wheel entry per request (hyper arms
//! one for every request head it waits for) would cost a lock to enter and another to leave.
//!
//! Each connection has one [`Slot`] holding the deadline it waits for and the waker to call; the
//! [`Sweeper`] task of the server advances the clock every tick and wakes the slots whose deadline
//! passed. A deadline fires up to one tick late, which a timeout of many seconds does not notice.

use futures_util::task::AtomicWaker;
use hyper::rt::{Sleep, Timer};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The coarse clock, read by every connection and written once per tick: on a cache line of its
/// own, away from reference counts that change.
#[repr(align(64))]
struct Clock {
    /// On tokio's clock, so that a paused test clock drives the deadlines too.
    start: tokio::time::Instant,
    /// Milliseconds since `start`, as of the last tick (at least 1: 0 means no deadline).
    now: AtomicU64,
}

impl Clock {
    fn now(&self) -> u64 {
        self.now.load(Ordering::Acquire)
    }

    fn millis(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.start.into_std())
            .as_millis() as u64
            + 1
    }
}

/// A connection's deadline (in the clock's milliseconds, 0 when it waits for none) and waker.
struct Slot {
    deadline: AtomicU64,
    waker: AtomicWaker,
    clock: Arc<Clock>,
    /// A deadline passed: hyper ends the connection for it. Shared apart from the slot, so that what
    /// asks (the connection's IO, alive as long as a websocket) does not keep the slot and its waker,
    /// which pins the finished HTTP task's memory.
    fired: Arc<AtomicBool>,
}

/// The clock and the connections' slots of one server.
pub(crate) struct Sweeper {
    clock: Arc<Clock>,
    tick: Duration,
    slots: Mutex<Vec<Weak<Slot>>>,
}

impl Sweeper {
    /// A sweeper advancing every `tick`; [`run`](Self::run) must be spawned for it to fire.
    pub(crate) fn new(tick: Duration) -> Arc<Self> {
        Arc::new(Sweeper {
            clock: Arc::new(Clock {
                start: tokio::time::Instant::now(),
                now: AtomicU64::new(1),
            }),
            tick,
            slots: Mutex::new(Vec::new()),
        })
    }

    /// Advances the clock and wakes the expired slots, every tick, forever.
    pub(crate) async fn run(self: Arc<Self>) {
        let mut ticks = tokio::time::interval(self.tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.sweep();
        }
    }

    fn sweep(&self) {
        let now = self.clock.millis(tokio::time::Instant::now().into_std());
        self.clock.now.store(now, Ordering::Release);
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.retain(|slot| {
            let Some(slot) = slot.upgrade() else {
                return false;
            };
            let deadline = slot.deadline.load(Ordering::Acquire);
            if deadline != 0 && deadline <= now {
                slot.waker.wake();
            }
            true
        });
    }

    /// The timer of a new connection.
    pub(crate) fn timer(&self) -> HeadTimer {
        let slot = Arc::new(Slot {
            deadline: AtomicU64::new(0),
            waker: AtomicWaker::new(),
            clock: self.clock.clone(),
            fired: Arc::new(AtomicBool::new(false)),
        });
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::downgrade(&slot));
        HeadTimer { slot }
    }
}

/// One connection's [`Timer`] for hyper; what it hands out touches only the connection's own slot.
pub(crate) struct HeadTimer {
    slot: Arc<Slot>,
}

impl HeadTimer {
    /// What tells whether this timer ended its connection.
    pub(crate) fn timeout(&self) -> HeadTimeout {
        HeadTimeout(self.slot.fired.clone())
    }
}

/// Whether a connection's request-head deadline passed (hyper gives the connection up then).
pub(crate) struct HeadTimeout(Arc<AtomicBool>);

impl HeadTimeout {
    pub(crate) fn fired(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(HeadSleep {
            slot: self.slot.clone(),
            deadline: self.slot.clock.millis(deadline),
        })
    }

    fn now(&self) -> Instant {
        let clock = &self.slot.clock;
        clock.start.into_std() + Duration::from_millis(clock.now() - 1)
    }
}

/// A deadline of a connection's slot (one at a time: hyper drops the last before it arms the next).
struct HeadSleep {
    slot: Arc<Slot>,
    deadline: u64,
}

impl Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let slot = &self.slot;
        if slot.clock.now() < self.deadline {
            slot.waker.register(cx.waker());
            slot.deadline.store(self.deadline, Ordering::Release);
            // A sweep between the check and the store would have missed the deadline.
            if slot.clock.now() < self.deadline {
                return Poll::Pending;
            }
        }
        slot.fired.store(true, Ordering::Release);
        Poll::Ready(())
    }
}

impl Sleep for HeadSleep {}

impl Drop for HeadSleep {
    fn drop(&mut self) {
        self.slot.deadline.store(0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICK: Duration = Duration::from_millis(20);

    #[tokio::test]
    async fn a_deadline_fires_within_a_tick_and_only_once_due() {
        let sweeper = Sweeper::new(TICK);
        tokio::spawn(sweeper.clone().run());
        let timer = sweeper.timer();
        let begun = Instant::now();
        timer.sleep(Duration::from_millis(100)).await;
        let waited = begun.elapsed();
        assert!(waited >= Duration::from_millis(100) - TICK, "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    }

    #[tokio::test]
    async fn a_dropped_deadline_wakes_nobody_and_the_next_one_still_fires() {
        let sweeper = Sweeper::new(TICK);
        tokio::spawn(sweeper.clone().run());
        let timer = sweeper.timer();
        let early = timer.sleep(Duration::from_millis(40));
        assert!(tokio::time::timeout(Duration::from_millis(5), early)
            .await
            .is_err());
        assert_eq!(timer.slot.deadline.load(Ordering::Acquire), 0);
        tokio::time::timeout(
            Duration::from_secs(5),
            timer.sleep(Duration::from_millis(60)),
        )
        .await
        .expect("fires");
    }

    #[tokio::test]
    async fn the_timeout_tells_whether_a_deadline_passed() {
        let sweeper = Sweeper::new(TICK);
        tokio::spawn(sweeper.clone().run());
        let timer = sweeper.timer();
        let timeout = timer.timeout();
        drop(timer.sleep(Duration::from_millis(40)));
        assert!(!timeout.fired());
        tokio::time::timeout(
            Duration::from_secs(5),
            timer.sleep(Duration::from_millis(40)),
        )
        .await
        .expect("fires");
        assert!(timeout.fired());
    }

    #[tokio::test]
    async fn closed_connections_leave_the_sweep() {
        let sweeper = Sweeper::new(TICK);
        let timers: Vec<_> = (0..10).map(|_| sweeper.timer()).collect();
        drop(timers);
        sweeper.sweep();
        assert!(sweeper.slots.lock().unwrap().is_empty());
    }
}
