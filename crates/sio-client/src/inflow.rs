//! Backpressure on received packets: each one holds a credit until it was handled, and the engine session
//! stops reading its transport while too many credits are out.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// The received packets of one manager that were not handled yet (see [`crate::Bounds::incoming`]).
#[derive(Debug)]
pub(crate) struct Inflow {
    capacity: usize,
    in_flight: AtomicUsize,
    resume: Notify,
}

/// One received packet on its way to being handled; handled when dropped.
#[derive(Debug)]
pub(crate) struct Credit(Arc<Inflow>);

impl Inflow {
    /// An inflow that saturates at `capacity` packets (at least 2).
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Inflow {
            capacity: capacity.max(2),
            in_flight: AtomicUsize::new(0),
            resume: Notify::new(),
        })
    }

    /// Counts one more packet. Never refuses: the reader checks [`Inflow::saturated`] after each packet.
    pub fn credit(self: &Arc<Self>) -> Credit {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Credit(self.clone())
    }

    /// Whether the reader must stop reading.
    pub fn saturated(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) >= self.capacity
    }

    /// Packets not handled yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    fn low_water(&self) -> usize {
        self.capacity / 2
    }

    /// Resolves once at most half the capacity is in flight. Cancel-safe.
    pub async fn drained(&self) {
        while self.in_flight() > self.low_water() {
            self.resume.notified().await;
        }
    }
}

impl Drop for Credit {
    fn drop(&mut self) {
        let before = self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        // `notify_one` keeps a permit when the reader is not waiting yet, so no crossing is missed
        if before == self.0.low_water() + 1 {
            self.0.resume.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn saturates_at_capacity_and_resumes_at_half() {
        let inflow = Inflow::new(4);
        let mut credits: Vec<Credit> = (0..4).map(|_| inflow.credit()).collect();
        assert!(inflow.saturated());
        credits.pop();
        assert!(!inflow.saturated());
        let waiting = tokio::time::timeout(Duration::from_millis(50), inflow.drained()).await;
        assert!(waiting.is_err(), "3 in flight is above half of 4");
        credits.pop();
        tokio::time::timeout(Duration::from_secs(1), inflow.drained())
            .await
            .expect("2 in flight is half");
        drop(credits);
        assert_eq!(inflow.in_flight(), 0);
    }
}
