//! The upgrade from polling to a websocket or WebTransport stream: `2probe`/`3probe`, noops to an
//! idle poll, then `5`.
//!
//! As in engine.io, polling keeps carrying the session until `5`: what the server sends during the
//! upgrade goes to the waiting GET at once. Every 100 ms after the probe, a GET still waiting with
//! nothing to take is answered `6`, so that the client (which sends no new GET once probed) can
//! finish its poll and send `5`.

use super::{Cold, Event, Link, Session, Step};
use crate::engine::duplex::{self, Duplex};
use crate::engine::websocket::{self, ReadError};
use crate::engine::EngineHandler;
use sio_protocol::engine::{Frame, Packet, PacketType};
use sio_protocol::websocket::Message;
use sio_protocol::Str;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Poll};
use std::time::Duration;
use tokio::time::{sleep_until, Instant, Sleep};

/// The period of engine.io's check answering an idle poll with a noop during an upgrade.
const NOOP_INTERVAL: Duration = Duration::from_millis(100);

/// A stream transport probing to take over a polling session.
pub(crate) struct Probe {
    pub(crate) stream: Duplex,
    /// When the upgrade is given up (`upgradeTimeout`).
    pub(crate) deadline: Instant,
    /// The next check for an idle poll to answer with a noop (from `2probe` on).
    pub(crate) noop_at: Option<Instant>,
    /// Fires at the earlier of `deadline` and `noop_at` (kept here, not in the session task's future).
    timer: Pin<Box<Sleep>>,
}

/// The next message of the probing transport (never resolves without one).
pub(crate) async fn next_probe_message(
    probe: &mut Option<Box<Probe>>,
) -> Result<Message, ReadError> {
    match probe {
        Some(p) => poll_fn(|cx| p.stream.poll_message(cx)).await,
        None => std::future::pending().await,
    }
}

/// The next event of an upgrade: a message of the probing transport, its timeout, or the time to look
/// for an idle poll (never resolves without a probe).
pub(crate) async fn next_probe_event(probe: &mut Option<Box<Probe>>) -> Event {
    let Some(p) = probe else {
        return std::future::pending().await;
    };
    let at = p.noop_at.map_or(p.deadline, |noop| noop.min(p.deadline));
    if p.timer.deadline() != at {
        p.timer.as_mut().reset(at);
    }
    poll_fn(|cx| {
        if let Poll::Ready(msg) = p.stream.poll_message(cx) {
            return Poll::Ready(Event::Probe(msg));
        }
        ready!(p.timer.as_mut().poll(cx));
        Poll::Ready(if Instant::now() >= p.deadline {
            Event::UpgradeTimeout
        } else {
            Event::UpgradeNoop
        })
    })
    .await
}

impl<H: EngineHandler> Session<H> {
    /// A stream transport arrived for this session.
    pub(crate) fn on_upgrade_request(&mut self, stream: Duplex) {
        let can_upgrade = matches!(self.link, Link::Polling)
            && self.probe.is_none()
            && self.engine.config().allow_upgrades;
        if !can_upgrade {
            tracing::debug!(sid = %self.socket.id(), "transport already upgraded or upgrading");
            duplex::discard(stream);
            return;
        }
        let deadline = Instant::now() + self.engine.config().upgrade_timeout;
        self.probe = Some(Box::new(Probe {
            stream,
            deadline,
            noop_at: None,
            timer: Box::pin(sleep_until(deadline)),
        }));
    }

    /// A message arrived on the probing transport.
    pub(crate) fn on_probe_message(&mut self, msg: Result<Message, ReadError>) -> Cold<'_, Step> {
        Box::pin(async move {
            let limit = self.engine.config().heartbeat_window();
            let packet = match msg {
                Ok(Message::Ping(_)) => {
                    // Its pong goes out now: the probe has no batch of its own.
                    if let Some(probe) = &mut self.probe {
                        if probe.stream.send([], limit).await.is_err() {
                            self.cancel_upgrade();
                        }
                    }
                    return Ok(());
                }
                Ok(Message::Pong(_)) => return Ok(()),
                // The probe ends as `ws` ends a websocket (a client's close echoed, broken frames refused
                // with their status); the session stays on polling.
                Ok(Message::Close(frame)) => {
                    let (code, reason) =
                        frame.map_or((None, Str::default()), |(c, r)| (Some(c), r));
                    self.end_probe(code, reason);
                    return Ok(());
                }
                Ok(m) => match self.socket.wire().decode_ws(m) {
                    Some(Ok(p)) => Some(p),
                    _ => None,
                },
                Err(ReadError::Protocol(e)) => {
                    tracing::debug!(sid = %self.socket.id(), error = %e, "upgrade failed");
                    self.end_probe(Some(websocket::close_code(e)), Str::default());
                    return Ok(());
                }
                Err(_) => None,
            };
            match packet {
                Some(Packet::Ping(data)) if data.as_str() == "probe" => {
                    let Some(probe) = &mut self.probe else {
                        return Ok(());
                    };
                    let pong = vec![Frame::text(PacketType::Pong, "probe")];
                    if probe.stream.send(pong, limit).await.is_err() {
                        self.cancel_upgrade();
                        return Ok(());
                    }
                    // Another probe restarts the check, as engine.io's `setInterval` is restarted.
                    probe.noop_at = Some(Instant::now() + NOOP_INTERVAL);
                    Ok(())
                }
                Some(Packet::Upgrade) => {
                    if let Some(probe) = self.probe.take() {
                        tracing::debug!(sid = %self.socket.id(), transport = %probe.stream.transport(), "upgraded");
                        self.switch_to_stream(probe.stream);
                    }
                    Ok(())
                }
                _ => {
                    tracing::debug!(sid = %self.socket.id(), "upgrade failed");
                    self.cancel_upgrade();
                    Ok(())
                }
            }
        })
    }

    /// Gives up an upgrade whose websocket ends with `code` and `reason`.
    fn end_probe(&mut self, code: Option<u16>, reason: Str) {
        if let Some(probe) = self.probe.take() {
            duplex::close_later(probe.stream, code, reason);
        }
    }

    /// Gives up an upgrade under way; the session stays on polling.
    pub(crate) fn cancel_upgrade(&mut self) {
        if let Some(probe) = self.probe.take() {
            duplex::discard(probe.stream);
        }
    }

    /// The periodic check during an upgrade: a GET still waiting with nothing to take gets a noop
    /// (a GET with frames to take is answered by its own task).
    pub(crate) fn check_idle_poll(&mut self) {
        if let Some(probe) = &mut self.probe {
            probe.noop_at = Some(Instant::now() + NOOP_INTERVAL);
        }
        self.socket
            .answer_idle_poll(vec![Frame::text(PacketType::Noop, "")]);
    }
}
