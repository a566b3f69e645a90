//! The server-driven heartbeat: a ping every `pingInterval`, a close after `pingTimeout` without pong.

use tokio::time::{Duration, Instant};

/// What the heartbeat timer asks for when its deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Beat {
    /// Send a ping now.
    Ping,
    /// The last ping went unanswered: close with "ping timeout".
    Timeout,
}

/// Heartbeat deadlines of one session, started when the session is created.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    interval: Duration,
    timeout: Duration,
    next_ping: Instant,
    pong_deadline: Option<Instant>,
}

impl Heartbeat {
    pub(crate) fn new(interval: Duration, timeout: Duration) -> Self {
        Heartbeat {
            interval,
            timeout,
            next_ping: Instant::now() + interval,
            pong_deadline: None,
        }
    }

    /// When the timer should next fire.
    pub(crate) fn deadline(&self) -> Instant {
        self.pong_deadline.unwrap_or(self.next_ping)
    }

    /// The deadline passed: ping (and start waiting for the pong), or time out.
    pub(crate) fn fire(&mut self) -> Beat {
        if self.pong_deadline.is_some() {
            Beat::Timeout
        } else {
            // Counted from when the ping was due, so a late timer does not stretch the deadline.
            self.pong_deadline = Some(self.next_ping + self.timeout);
            Beat::Ping
        }
    }

    /// Whether the pong deadline passed, even if a late timer has not fired yet.
    pub(crate) fn overdue(&self) -> bool {
        let deadline = self.pong_deadline.unwrap_or(self.next_ping + self.timeout);
        Instant::now() >= deadline
    }

    /// A pong arrived; true if it answered the outstanding ping (the next ping is then scheduled).
    pub(crate) fn pong(&mut self) -> bool {
        if self.pong_deadline.take().is_some() {
            self.next_ping = Instant::now() + self.interval;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pings_then_times_out_unless_ponged() {
        let mut h = Heartbeat::new(Duration::from_millis(300), Duration::from_millis(200));
        let start = Instant::now();
        assert_eq!(h.deadline(), start + Duration::from_millis(300));
        tokio::time::sleep_until(h.deadline()).await;
        assert_eq!(h.fire(), Beat::Ping);
        assert_eq!(h.deadline(), start + Duration::from_millis(500));
        assert!(h.pong());
        assert!(!h.pong());
        assert_eq!(h.deadline(), start + Duration::from_millis(600));
        tokio::time::sleep_until(h.deadline()).await;
        assert_eq!(h.fire(), Beat::Ping);
        tokio::time::sleep_until(h.deadline()).await;
        assert_eq!(h.fire(), Beat::Timeout);
    }
}
