//! The polling-to-websocket upgrade: `2probe`/`3probe`, noop to the pending poll, then `5`.

use super::polling::PollAnswer;
use super::session::{Link, Session, Step};
use super::websocket::{self, ReadError, WebSocket};
use super::EngineHandler;
use sio_protocol::engine::{Frame, Packet, PacketType};
use sio_protocol::websocket::Message;
use std::future::poll_fn;
use std::time::Duration;
use tokio::time::Instant;

/// How long a poll waiting during an upgrade is held before it is answered with a noop.
const NOOP_DELAY: Duration = Duration::from_millis(100);

/// A websocket probing to take over a polling session.
pub(crate) struct Probe {
    pub(crate) ws: WebSocket,
    /// When the upgrade is given up (`upgradeTimeout`).
    pub(crate) deadline: Instant,
    /// `2probe` was answered: polling output is frozen until `5`.
    pub(crate) probed: bool,
    /// When the waiting poll gets its noop.
    pub(crate) noop_at: Option<Instant>,
}

impl Probe {
    /// Schedules the noop for a poll that waits during the upgrade.
    pub(crate) fn schedule_noop(&mut self) {
        if self.probed && self.noop_at.is_none() {
            self.noop_at = Some(Instant::now() + NOOP_DELAY);
        }
    }
}

/// The next message of the probing websocket (never resolves without one).
pub(crate) async fn next_probe_message(
    probe: &mut Option<Box<Probe>>,
) -> Result<Message, ReadError> {
    match probe {
        Some(p) => poll_fn(|cx| p.ws.poll_message(cx)).await,
        None => std::future::pending().await,
    }
}

impl<H: EngineHandler> Session<H> {
    /// A websocket arrived for this session.
    pub(crate) fn on_upgrade_request(&mut self, ws: WebSocket) {
        let can_upgrade = matches!(self.link, Link::Polling)
            && self.probe.is_none()
            && self.engine.config().allow_upgrades;
        if !can_upgrade {
            tracing::debug!(sid = %self.socket.id(), "transport already upgraded or upgrading");
            websocket::discard(ws);
            return;
        }
        self.socket.state().upgrading = true;
        self.probe = Some(Box::new(Probe {
            ws,
            deadline: Instant::now() + self.engine.config().upgrade_timeout,
            probed: false,
            noop_at: None,
        }));
    }

    /// A message arrived on the probing websocket.
    pub(crate) async fn on_probe_message(&mut self, msg: Result<Message, ReadError>) -> Step {
        let limit = self.engine.config().heartbeat_window();
        let packet = match msg {
            Ok(Message::Ping(_)) => {
                // Its pong goes out now: the probe has no batch of its own.
                if let Some(probe) = &mut self.probe {
                    if probe.ws.send([], limit).await.is_err() {
                        self.cancel_upgrade();
                    }
                }
                return Ok(());
            }
            Ok(Message::Pong(_)) => return Ok(()),
            Ok(m) => match websocket::decode(m) {
                Some(Ok(p)) => Some(p),
                _ => None,
            },
            Err(_) => None,
        };
        match packet {
            Some(Packet::Ping(data)) if data.as_str() == "probe" => {
                let Some(probe) = &mut self.probe else {
                    return Ok(());
                };
                let pong = vec![Frame::text(PacketType::Pong, "probe")];
                if probe.ws.send(pong, limit).await.is_err() {
                    self.cancel_upgrade();
                    return Ok(());
                }
                probe.probed = true;
                self.socket.state().poll.paused = true;
                self.hold_probing_poll();
                Ok(())
            }
            Some(Packet::Upgrade) => {
                if let Some(probe) = self.probe.take() {
                    tracing::debug!(sid = %self.socket.id(), "upgraded to websocket");
                    self.switch_to_websocket(probe.ws);
                }
                Ok(())
            }
            _ => {
                tracing::debug!(sid = %self.socket.id(), "upgrade failed");
                self.cancel_upgrade();
                Ok(())
            }
        }
    }

    /// Gives up an upgrade under way; the session stays on polling, and a waiting GET takes the queue.
    pub(crate) fn cancel_upgrade(&mut self) {
        if let Some(probe) = self.probe.take() {
            websocket::discard(probe.ws);
            self.socket.update_waking_poll(|s| {
                s.upgrading = false;
                s.poll.paused = false;
            });
        }
    }

    /// Schedules the noop for a GET waiting while the probe holds polling output.
    pub(crate) fn hold_probing_poll(&mut self) {
        if let Some(probe) = &mut self.probe {
            if probe.probed && self.socket.state().poll.waiting {
                probe.schedule_noop();
            }
        }
    }

    /// Answers the poll waiting during an upgrade with a noop, so the client can finish the upgrade.
    pub(crate) fn answer_noop_during_upgrade(&mut self) {
        if let Some(probe) = &mut self.probe {
            probe.noop_at = None;
        }
        let noop = vec![Frame::text(PacketType::Noop, "")];
        let _ = self.socket.answer_poll(PollAnswer::Frames(noop));
    }
}
