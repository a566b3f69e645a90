//! The heartbeat. In revision 4 the server pings every `pingInterval` and closes after `pingTimeout`
//! without pong; in revision 3 the client pings, the server answers each ping with a pong and closes
//! after `pingInterval + pingTimeout` without ping, as engine.io does for either.

use super::{Session, Step};
use crate::engine::{CloseReason, EngineHandler};
use sio_protocol::engine::{Frame, Packet, PacketType};
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
    /// Revision 3: the client pings, and `pong_deadline` is the deadline for its next ping.
    client_pings: bool,
}

impl Heartbeat {
    pub(crate) fn new(interval: Duration, timeout: Duration) -> Self {
        Heartbeat {
            interval,
            timeout,
            next_ping: Instant::now() + interval,
            pong_deadline: None,
            client_pings: false,
        }
    }

    /// The heartbeat of a revision 3 session: the client pings within `interval + timeout`.
    pub(crate) fn client_driven(interval: Duration, timeout: Duration) -> Self {
        let now = Instant::now();
        Heartbeat {
            interval,
            timeout,
            next_ping: now,
            pong_deadline: Some(now + interval + timeout),
            client_pings: true,
        }
    }

    /// A ping from the client arrived; true if the client is the one to ping (the deadline for its next
    /// ping is then pushed back).
    pub(crate) fn client_ping(&mut self) -> bool {
        if self.client_pings {
            self.pong_deadline = Some(Instant::now() + self.interval + self.timeout);
        }
        self.client_pings
    }

    /// Whether the client is the one to ping (revision 3).
    pub(crate) fn client_pings(&self) -> bool {
        self.client_pings
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
        if !self.client_pings && self.pong_deadline.take().is_some() {
            self.next_ping = Instant::now() + self.interval;
            true
        } else {
            false
        }
    }
}

impl<H: EngineHandler> Session<H> {
    /// A ping or a pong from the client. A pong in revision 4 and a ping in revision 3 (answered with
    /// a pong) are heartbeats; the other direction ends the session, as in engine.io.
    pub(crate) async fn on_heartbeat_packet(&mut self, packet: Packet) -> Step {
        let heartbeat = match packet {
            Packet::Pong(_) if !self.heartbeat.client_pings() => self.heartbeat.pong(),
            Packet::Ping(_) if self.heartbeat.client_ping() => {
                self.socket.push_control(Frame::text(PacketType::Pong, ""));
                true
            }
            _ => {
                tracing::debug!(sid = %self.socket.id(), "invalid heartbeat direction");
                return Err(self.abort(CloseReason::TransportError).await);
            }
        };
        if heartbeat {
            self.report(H::on_heartbeat);
        }
        Ok(())
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

    #[tokio::test(start_paused = true)]
    async fn a_client_driven_heartbeat_waits_for_pings() {
        let mut h =
            Heartbeat::client_driven(Duration::from_millis(300), Duration::from_millis(200));
        let start = Instant::now();
        assert_eq!(h.deadline(), start + Duration::from_millis(500));
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(!h.overdue());
        assert!(h.client_ping());
        assert!(!h.pong());
        assert_eq!(h.deadline(), start + Duration::from_millis(900));
        tokio::time::sleep_until(h.deadline()).await;
        assert!(h.overdue());
        assert_eq!(h.fire(), Beat::Timeout);
        assert!(!Heartbeat::new(Duration::ZERO, Duration::ZERO).client_ping());
    }
}
