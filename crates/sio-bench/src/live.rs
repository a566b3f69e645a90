//! Counters shared by every connection task of a running workload, read by the measuring loop.

use crate::histogram::Histogram;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::Notify;

/// What the connection tasks report while a workload runs.
#[derive(Default)]
pub struct Live {
    /// Connections that completed the Socket.IO handshake.
    pub connected: AtomicU64,
    /// Connections (or handshakes) that failed.
    pub failed: AtomicU64,
    /// The workload's unit of work done: messages, deliveries, acks, handshakes.
    pub done: AtomicU64,
    /// Round-trip latencies recorded in the current window.
    pub latency: Histogram,
    /// Set when tasks should stop sending.
    pub stop: AtomicBool,
    /// The first error seen, for the report.
    pub first_error: std::sync::Mutex<Option<String>>,
    /// Woken when `done` crosses `threshold` (broadcast pacing).
    pub progress: Notify,
    /// See `progress`.
    pub threshold: AtomicU64,
}

impl Live {
    /// Adds `n` units of work and wakes a waiter whose threshold was crossed.
    pub fn add_done(&self, n: u64) {
        if n == 0 {
            return;
        }
        let total = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let threshold = self.threshold.load(Ordering::Relaxed);
        if threshold != 0 && total >= threshold {
            self.threshold.store(0, Ordering::Relaxed);
            self.progress.notify_one();
        }
    }

    /// Records a failed connection and keeps the first error message.
    pub fn fail(&self, err: &crate::error::BenchError) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first_error.lock() {
            if first.is_none() {
                *first = Some(err.to_string());
            }
        }
    }

    /// Whether tasks should stop.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Units of work done so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Connections established so far.
    pub fn connected(&self) -> u64 {
        self.connected.load(Ordering::Relaxed)
    }

    /// Failures so far.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
}
