//! The ping watchdog: the connection is dead when no ping arrives within pingInterval + pingTimeout.

use std::time::Duration;
use tokio::time::Instant;

/// Tracks when the server's next ping is due at the latest.
#[derive(Debug, Clone)]
pub(crate) struct Heartbeat {
    window: Duration,
    deadline: Instant,
}

impl Heartbeat {
    /// Starts the watchdog with the handshake's `pingInterval` and `pingTimeout` (milliseconds).
    pub fn new(ping_interval: u64, ping_timeout: u64) -> Self {
        let window = Duration::from_millis(ping_interval.saturating_add(ping_timeout));
        Heartbeat {
            window,
            deadline: Instant::now() + window,
        }
    }

    /// A ping arrived: the next one is due within the window from now.
    pub fn reset(&mut self) {
        self.deadline = Instant::now() + self.window;
    }

    /// pingInterval + pingTimeout.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// When the connection is to be closed with `ping timeout`.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed (a timer may have been delayed).
    #[cfg(test)]
    pub fn expired(&self) -> bool {
        Instant::now() > self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn expires_after_interval_plus_timeout_and_resets_on_ping() {
        let mut hb = Heartbeat::new(100, 50);
        tokio::time::advance(Duration::from_millis(140)).await;
        assert!(!hb.expired());
        hb.reset();
        tokio::time::advance(Duration::from_millis(140)).await;
        assert!(!hb.expired());
        tokio::time::advance(Duration::from_millis(20)).await;
        assert!(hb.expired());
    }
}
