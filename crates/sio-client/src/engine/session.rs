//! The task that owns one engine session: reads, writes, heartbeat and upgrade in a single select loop.
//!
//! Its write buffer counts toward [`crate::Bounds::outgoing_bytes`]. It stops reading while the manager's
//! [`Inflow`] is saturated (the rest of a polling payload waits in `backlog`, at most one response), with the
//! ping watchdog suspended, and goes on once half of the received packets were handled. A websocket write
//! that lasts longer than pingInterval + pingTimeout ends the session with `ping timeout`.

use super::config::EngineConfig;
use super::heartbeat::Heartbeat;
use super::polling::Polling;
use super::transport::{Transport, TransportEvent};
use super::upgrade::{candidates, probe};
use super::websocket::WebSocket;
use super::{Engine, EngineCmd, EngineEvent, EngineShared};
use crate::error::{Cause, Error, HandshakeError};
use crate::events::Emitter;
use crate::mailbox::{mailbox, Receiver};
use crate::options::TransportKind;
use crate::reason::DisconnectReason;
use sio_protocol::engine::{Frame, Handshake, Packet};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// What the session tells its owner (the manager), on the session's task: it must not block.
pub(crate) trait EngineSink: Send + 'static {
    /// A message for the Socket.IO layer, as decoded: `Packet::Message` (the text after the `4`) or
    /// `Packet::Binary`.
    fn message(&mut self, message: Packet);
    /// The server pinged.
    fn ping(&mut self);
    /// The session is over.
    fn close(&mut self, reason: DisconnectReason);
}

/// Opens a session with the first transport of the configuration and starts its task.
pub(crate) async fn open(
    cfg: EngineConfig,
    emitter: Emitter<EngineEvent>,
    sink: Box<dyn EngineSink>,
) -> Result<Engine, Error> {
    let first = if cfg.remember_upgrade
        && cfg.prior_websocket_success.load(Ordering::Acquire)
        && cfg.transports.contains(&TransportKind::WebSocket)
    {
        TransportKind::WebSocket
    } else {
        *cfg.transports
            .first()
            .ok_or_else(|| Error::Transport("no transport configured".into()))?
    };
    let (transport, open_data, early) = match first {
        TransportKind::Polling => {
            let (data, early) = Polling::handshake(&cfg).await?;
            let hs = parse_handshake(&data)?;
            let mut polling = Polling::new(&cfg, &hs.sid)?;
            polling.poll();
            (Transport::Polling(Box::new(polling)), data, early)
        }
        TransportKind::WebSocket => {
            let (ws, data) = WebSocket::handshake(&cfg).await?;
            (Transport::WebSocket(Box::new(ws)), data, Vec::new())
        }
        #[cfg(feature = "webtransport")]
        TransportKind::WebTransport => {
            let (wt, data) = super::webtransport::WebTransport::handshake(&cfg).await?;
            (Transport::WebTransport(Box::new(wt)), data, Vec::new())
        }
        #[cfg(not(feature = "webtransport"))]
        TransportKind::WebTransport => {
            return Err(Error::Transport(
                "WebTransport needs the `webtransport` feature of sio-client".into(),
            ))
        }
    };
    let handshake = parse_handshake(&open_data)?;
    let shared = Arc::new(EngineShared {
        handshake: handshake.clone(),
        transport: AtomicU8::new(first as u8),
        writable: AtomicBool::new(true),
        emitter,
        queued_bytes: AtomicUsize::new(0),
        outgoing_bytes: cfg.outgoing_bytes,
    });
    let (cmd_tx, cmd_rx) = mailbox();
    let upgrades = if first == TransportKind::Polling && cfg.upgrade {
        candidates(&cfg, &handshake.upgrades)
    } else {
        Vec::new()
    };
    let mut session = Session {
        heartbeat: Heartbeat::new(handshake.ping_interval, handshake.ping_timeout),
        max_payload: usize::try_from(handshake.max_payload).unwrap_or(usize::MAX),
        cfg,
        shared: shared.clone(),
        transport,
        write_buf: VecDeque::new(),
        upgrade: Upgrade::None,
        sink,
        paused: false,
        backlog: VecDeque::new(),
    };
    if !upgrades.is_empty() {
        session.upgrade = Upgrade::Probing(tokio::spawn(probe(
            session.cfg.clone(),
            handshake.sid.clone(),
            upgrades,
        )));
    }
    tokio::spawn(async move {
        session.handle_packets(early).await;
        session.run(cmd_rx).await;
    });
    Ok(Engine {
        shared,
        cmd: cmd_tx,
    })
}

fn parse_handshake(data: &str) -> Result<Handshake, Error> {
    serde_json::from_str(data)
        .map_err(|e| Error::Handshake(HandshakeError::OpenPacket(Cause::new(e))))
}

/// At most this many queued sends are gathered into one write.
const BATCH: usize = 64;

enum Upgrade {
    None,
    Probing(JoinHandle<Result<Transport, String>>),
    /// The probe succeeded; waiting for the polling requests to finish.
    Pausing(Box<Transport>),
}

struct Session {
    cfg: EngineConfig,
    shared: Arc<EngineShared>,
    transport: Transport,
    write_buf: VecDeque<Frame>,
    heartbeat: Heartbeat,
    max_payload: usize,
    upgrade: Upgrade,
    sink: Box<dyn EngineSink>,
    /// Reading stopped until the inflow drains.
    paused: bool,
    /// Packets read and not handed over yet because the inflow saturated.
    backlog: VecDeque<Packet>,
}

enum Step {
    Cmd(Option<EngineCmd>),
    Transport(TransportEvent),
    PingTimeout,
    Probe(Result<Transport, String>),
    Resume,
}

impl Session {
    /// Runs the session until it ends. Takes `&mut self`, not `self`: the task's state then holds the session
    /// once, not once as an argument and again as a local.
    async fn run(&mut self, mut cmds: Receiver<EngineCmd>) {
        // One timer for the whole session, moved only when a ping moved the deadline: a timer made anew
        // on every turn of the loop would enter and leave the timer wheel for every message.
        let watchdog = tokio::time::sleep_until(self.heartbeat.deadline());
        tokio::pin!(watchdog);
        let reason = loop {
            if watchdog.deadline() != self.heartbeat.deadline() {
                watchdog.as_mut().reset(self.heartbeat.deadline());
            }
            let step = tokio::select! {
                c = cmds.recv() => Step::Cmd(c),
                e = self.transport.next(), if !self.paused => Step::Transport(e),
                _ = &mut watchdog, if !self.paused => Step::PingTimeout,
                r = probe_result(&mut self.upgrade), if matches!(self.upgrade, Upgrade::Probing(_)) => Step::Probe(r),
                _ = self.cfg.inflow.drained(), if self.paused => Step::Resume,
            };
            let outcome = match step {
                Step::Cmd(None) | Step::Cmd(Some(EngineCmd::Close)) => {
                    Box::pin(self.close_gracefully()).await;
                    Some(DisconnectReason::ForcedClose)
                }
                Step::Cmd(Some(EngineCmd::Send(frames))) => {
                    self.queue(frames);
                    // Take what else is waiting, so that one write (one syscall) carries all of it.
                    let mut close = false;
                    for _ in 0..BATCH {
                        match cmds.try_recv() {
                            Some(EngineCmd::Send(frames)) => self.queue(frames),
                            Some(EngineCmd::Close) => {
                                close = true;
                                break;
                            }
                            None => break,
                        }
                    }
                    if close {
                        Box::pin(self.close_gracefully()).await;
                        Some(DisconnectReason::ForcedClose)
                    } else {
                        self.flush().await
                    }
                }
                Step::Transport(ev) => self.on_transport(ev).await,
                Step::PingTimeout => Some(DisconnectReason::PingTimeout),
                Step::Resume => {
                    self.paused = false;
                    // the server may have pinged while nothing was read
                    self.heartbeat.reset();
                    let backlog = std::mem::take(&mut self.backlog);
                    self.handle_packets(backlog).await
                }
                Step::Probe(Ok(next)) => {
                    if let Transport::Polling(p) = &mut self.transport {
                        p.pause();
                    }
                    self.upgrade = Upgrade::Pausing(Box::new(next));
                    self.update_writable();
                    None
                }
                Step::Probe(Err(e)) => {
                    tracing::debug!(error = %e, "upgrade failed, staying on polling");
                    self.upgrade = Upgrade::None;
                    self.emit(EngineEvent::UpgradeError(e));
                    None
                }
            };
            if let Some(reason) = outcome {
                break reason;
            }
            if self.upgrade_may_finish() {
                if let Some(reason) = Box::pin(self.finish_upgrade()).await {
                    break reason;
                }
            }
        };
        if let Upgrade::Probing(h) = &self.upgrade {
            h.abort();
        }
        self.shared.writable.store(false, Ordering::Release);
        self.emit(EngineEvent::Close(reason));
        self.sink.close(reason);
    }

    fn emit(&self, e: EngineEvent) {
        self.shared.emitter.emit(e.name(), e);
    }

    /// Adds frames to the write buffer; they are decoded again only when someone observes `packetCreate`.
    fn queue(&mut self, frames: Vec<Frame>) {
        if self.shared.emitter.listens("packetCreate") {
            for f in &frames {
                if let Ok(p) = f.decode() {
                    self.emit(EngineEvent::PacketCreate(p));
                }
            }
        }
        self.write_buf.extend(frames);
    }

    async fn on_transport(&mut self, ev: TransportEvent) -> Option<DisconnectReason> {
        match ev {
            TransportEvent::Packets(ps) => self.handle_packets(ps).await,
            TransportEvent::Packet(p) => self.handle_packets([p]).await,
            TransportEvent::Drain => {
                self.emit(EngineEvent::Drain);
                self.flush().await
            }
            TransportEvent::Closed => Some(DisconnectReason::TransportClose),
            TransportEvent::Error(e) => {
                tracing::debug!(error = %e, "engine transport error");
                Some(DisconnectReason::TransportError)
            }
        }
    }

    async fn handle_packets(
        &mut self,
        packets: impl IntoIterator<Item = Packet>,
    ) -> Option<DisconnectReason> {
        let observed = self.shared.emitter.listens("packet");
        let mut packets = packets.into_iter();
        while let Some(p) = packets.next() {
            if observed {
                self.emit(EngineEvent::Packet(p.clone()));
            }
            match p {
                Packet::Ping(data) => {
                    self.heartbeat.reset();
                    self.emit(EngineEvent::Ping);
                    self.sink.ping();
                    let pong = Packet::Pong(data);
                    self.emit(EngineEvent::PacketCreate(pong.clone()));
                    let frame = pong.encode();
                    self.shared.queued(std::slice::from_ref(&frame));
                    self.write_buf.push_back(frame);
                }
                Packet::Close => return Some(DisconnectReason::TransportClose),
                Packet::Message(_) | Packet::Binary(_) => {
                    self.sink.message(p);
                    if self.cfg.inflow.saturated() {
                        tracing::debug!(
                            in_flight = self.cfg.inflow.in_flight(),
                            "handlers lag behind: reading paused"
                        );
                        self.paused = true;
                        self.backlog.extend(packets);
                        break;
                    }
                }
                Packet::Open(_) | Packet::Pong(_) | Packet::Upgrade | Packet::Noop => {}
            }
        }
        self.flush().await
    }

    fn update_writable(&self) {
        let w = !matches!(self.upgrade, Upgrade::Pausing(_)) && self.transport.writable();
        self.shared.writable.store(w, Ordering::Release);
    }

    /// Writes what the transport accepts now: everything over websocket, one POST under maxPayload over polling.
    async fn flush(&mut self) -> Option<DisconnectReason> {
        let result = if self.write_buf.is_empty()
            || !self.transport.writable()
            || matches!(self.upgrade, Upgrade::Pausing(_))
        {
            None
        } else {
            let frames = match self.transport.kind() {
                TransportKind::Polling => take_batch(&mut self.write_buf, self.max_payload),
                _ => self.write_buf.drain(..).collect(),
            };
            self.shared.written(&frames);
            // a write that takes longer than a ping may be late means the server is gone, as a missing
            // ping does (nothing is read meanwhile)
            let window = self.heartbeat.window();
            match tokio::time::timeout(window, self.transport.send(&frames)).await {
                Err(_) => {
                    tracing::debug!("engine write stalled for pingInterval + pingTimeout");
                    Some(DisconnectReason::PingTimeout)
                }
                Ok(None) => None,
                Ok(Some(TransportEvent::Drain)) => {
                    self.emit(EngineEvent::Drain);
                    None
                }
                Ok(Some(TransportEvent::Error(e))) => {
                    tracing::debug!(error = %e, "engine write failed");
                    Some(DisconnectReason::TransportError)
                }
                Ok(Some(_)) => Some(DisconnectReason::TransportClose),
            }
        };
        self.update_writable();
        result
    }

    /// Whether the probed transport is ready and the polling requests are over.
    fn upgrade_may_finish(&self) -> bool {
        matches!(self.upgrade, Upgrade::Pausing(_))
            && matches!(&self.transport, Transport::Polling(p) if p.idle())
    }

    /// Sends the UPGRADE packet on the probed transport and switches to it. Rare: called boxed, so that its
    /// state does not sit in every session's task.
    async fn finish_upgrade(&mut self) -> Option<DisconnectReason> {
        let Upgrade::Pausing(mut next) = std::mem::replace(&mut self.upgrade, Upgrade::None) else {
            return None;
        };
        let upgrade = Packet::Upgrade;
        self.emit(EngineEvent::PacketCreate(upgrade.clone()));
        let sent = tokio::time::timeout(self.cfg.timeout, next.send(&[upgrade.encode()]))
            .await
            .unwrap_or_else(|_| {
                Some(TransportEvent::Error(
                    "upgrade packet write timed out".into(),
                ))
            });
        if let Some(TransportEvent::Error(e)) = sent {
            self.emit(EngineEvent::UpgradeError(e));
            return Some(DisconnectReason::TransportError);
        }
        let kind = next.kind();
        self.transport = *next;
        self.shared.set_transport(kind);
        if kind == TransportKind::WebSocket {
            self.cfg
                .prior_websocket_success
                .store(true, Ordering::Release);
        }
        self.emit(EngineEvent::Upgrade(kind));
        self.flush().await
    }

    /// Closes as the official client does: what is buffered goes out first, in writes of its own; then polling
    /// sends the CLOSE packet alone in a last POST and a websocket just closes. The official server handles a
    /// Socket.IO packet on the next tick but a CLOSE at once, so a CLOSE sharing a payload (or a read) with a
    /// DISCONNECT written just before would end the session first: the server would see `transport close`.
    /// Rare: called boxed.
    async fn close_gracefully(&mut self) {
        let wait = Duration::from_secs(5);
        match &mut self.transport {
            Transport::Polling(p) => {
                p.pause();
                let buf = &mut self.write_buf;
                let max_payload = self.max_payload;
                let drained = tokio::time::timeout(wait, async {
                    loop {
                        wait_writable(p).await;
                        if buf.is_empty() {
                            break;
                        }
                        p.send(&take_batch(buf, max_payload));
                    }
                })
                .await;
                if drained.is_ok() {
                    p.send(&[Packet::Close.encode()]);
                    let _ = tokio::time::timeout(wait, wait_writable(p)).await;
                }
            }
            stream => {
                let frames: Vec<Frame> = self.write_buf.drain(..).collect();
                if !frames.is_empty() {
                    let _ = tokio::time::timeout(wait, stream.send(&frames)).await;
                }
                let _ = tokio::time::timeout(wait, stream.close()).await;
            }
        }
    }
}

/// Waits until the running POST (if any) is over; GET results that arrive meanwhile are dropped.
async fn wait_writable(p: &mut Polling) {
    while !p.writable() {
        p.next().await;
    }
}

async fn probe_result(upgrade: &mut Upgrade) -> Result<Transport, String> {
    match upgrade {
        Upgrade::Probing(handle) => match handle.await {
            Ok(r) => r,
            Err(e) => Err(e.to_string()),
        },
        _ => std::future::pending().await,
    }
}

/// Takes frames from the front of the buffer while their encoded size stays under `max_payload`
/// (always at least one).
fn take_batch(buf: &mut VecDeque<Frame>, max_payload: usize) -> Vec<Frame> {
    let mut size = 0usize;
    let mut n = 0;
    for (i, f) in buf.iter().enumerate() {
        let len = match f {
            Frame::Text(t) => t.len(),
            Frame::Binary(b) => 1 + b.len().div_ceil(3) * 4,
        };
        size = size.saturating_add(len + usize::from(i > 0));
        if i > 0 && size > max_payload {
            break;
        }
        n = i + 1;
    }
    buf.drain(..n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_under_max_payload() {
        let mut buf: VecDeque<Frame> = (0..10).map(|_| Frame::message("123456789")).collect();
        // each frame is 10 bytes, separators 1 byte: 3 frames = 32 bytes
        let batch = take_batch(&mut buf, 32);
        assert_eq!(batch.len(), 3);
        assert_eq!(buf.len(), 7);
        // a single frame bigger than the limit still goes alone
        let mut buf: VecDeque<Frame> =
            vec![Frame::message(&"x".repeat(100)), Frame::message("a")].into();
        assert_eq!(take_batch(&mut buf, 10).len(), 1);
        assert_eq!(take_batch(&mut buf, 10).len(), 1);
        assert!(buf.is_empty());
    }
}
