//! The Engine.IO v4 client: one session over polling, websocket or WebTransport, with upgrade and
//! heartbeat.
//!
//! The command channel to the session is bounded by the bytes it carries ([`crate::Bounds::outgoing_bytes`],
//! counted with the session's write buffer): [`Engine`] refuses frames past it.

mod config;
mod deflate_socket;
mod heartbeat;
mod http;
mod polling;
mod session;
mod transport;
mod upgrade;
mod websocket;
#[cfg(feature = "webtransport")]
mod webtransport;
mod ws_handshake;
mod ws_io;

pub(crate) use config::EngineConfig;
pub(crate) use session::{open, EngineSink};

use crate::error::Error;
use crate::events::{Emitter, ListenerId};
use crate::mailbox::Sender;
use crate::options::TransportKind;
use crate::reason::DisconnectReason;
use sio_protocol::engine::{Frame, Handshake, Packet};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

/// What the engine reports to observers (`engine.on(...)`), as the official `engine.on("packet")` etc.
#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// `"packet"`: a packet was received.
    Packet(Packet),
    /// `"packetCreate"`: a packet is being sent.
    PacketCreate(Packet),
    /// `"drain"`: the write buffer was flushed.
    Drain,
    /// `"upgrade"`: the transport was upgraded (to websocket or WebTransport).
    Upgrade(TransportKind),
    /// `"upgradeError"`: the upgrade probe failed; polling goes on.
    UpgradeError(String),
    /// `"ping"`: the server pinged.
    Ping,
    /// `"close"`: the connection is closed.
    Close(DisconnectReason),
}

impl EngineEvent {
    /// The official event name.
    pub fn name(&self) -> &'static str {
        match self {
            EngineEvent::Packet(_) => "packet",
            EngineEvent::PacketCreate(_) => "packetCreate",
            EngineEvent::Drain => "drain",
            EngineEvent::Upgrade(_) => "upgrade",
            EngineEvent::UpgradeError(_) => "upgradeError",
            EngineEvent::Ping => "ping",
            EngineEvent::Close(_) => "close",
        }
    }
}

pub(crate) enum EngineCmd {
    Send(Vec<Frame>),
    Close,
}

pub(crate) struct EngineShared {
    pub handshake: Handshake,
    pub transport: AtomicU8,
    pub writable: AtomicBool,
    pub emitter: Emitter<EngineEvent>,
    /// Bytes of the frames sent to the session (command channel and write buffer) and not written yet.
    pub queued_bytes: AtomicUsize,
    /// The most `queued_bytes` may reach ([`crate::Bounds::outgoing_bytes`]).
    pub outgoing_bytes: usize,
}

impl EngineShared {
    pub fn set_transport(&self, kind: TransportKind) {
        self.transport.store(kind as u8, Ordering::Release);
    }

    /// Frames are queued for writing.
    pub fn queued(&self, frames: &[Frame]) {
        self.queued_bytes.fetch_add(size(frames), Ordering::AcqRel);
    }

    /// Frames left the write buffer.
    pub fn written(&self, frames: &[Frame]) {
        self.queued_bytes.fetch_sub(size(frames), Ordering::AcqRel);
    }
}

fn size(frames: &[Frame]) -> usize {
    frames.iter().map(Frame::len).sum()
}

/// A handle on one Engine.IO session (`socket.io.engine` in JavaScript).
///
/// ```no_run
/// # fn run(socket: sio_client::Socket) {
/// if let Some(engine) = socket.manager().engine() {
///     println!("{:?}", engine.transport()); // in most cases Polling at first
///     engine.once("upgrade", |e| println!("upgraded: {e:?}"));
///     engine.on("packet", |e| println!("received {e:?}"));
///     engine.on("packetCreate", |e| println!("sent {e:?}"));
///     engine.on("close", |e| println!("closed: {e:?}"));
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct Engine {
    shared: Arc<EngineShared>,
    cmd: Sender<EngineCmd>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("id", &self.id())
            .field("transport", &self.transport())
            .finish()
    }
}

impl Engine {
    /// The Engine.IO session id.
    pub fn id(&self) -> &str {
        &self.shared.handshake.sid
    }

    /// The server's handshake (ping interval and timeout, max payload, upgrades).
    pub fn handshake(&self) -> &Handshake {
        &self.shared.handshake
    }

    /// The transport in use now.
    pub fn transport(&self) -> TransportKind {
        match self.shared.transport.load(Ordering::Acquire) {
            k if k == TransportKind::WebSocket as u8 => TransportKind::WebSocket,
            k if k == TransportKind::WebTransport as u8 => TransportKind::WebTransport,
            _ => TransportKind::Polling,
        }
    }

    /// Whether a packet written now goes out at once (volatile packets are dropped otherwise).
    pub fn writable(&self) -> bool {
        self.shared.writable.load(Ordering::Acquire)
    }

    /// Whether the session is still running.
    pub fn is_open(&self) -> bool {
        !self.cmd.is_closed()
    }

    /// Registers an observer for `"packet"`, `"packetCreate"`, `"drain"`, `"upgrade"`, `"upgradeError"`,
    /// `"ping"` or `"close"`. Observers run on their own task, never on the connection's.
    pub fn on(&self, event: &str, f: impl Fn(EngineEvent) + Send + Sync + 'static) -> ListenerId {
        self.shared.emitter.on(event, false, Arc::new(f))
    }

    /// Like [`Engine::on`], removed after the first call.
    pub fn once(&self, event: &str, f: impl Fn(EngineEvent) + Send + Sync + 'static) -> ListenerId {
        self.shared.emitter.on(event, true, Arc::new(f))
    }

    /// Removes one observer, all observers of an event, or all.
    pub fn off(&self, event: Option<&str>, id: Option<ListenerId>) {
        self.shared.emitter.off(event, id)
    }

    /// Closes the session (`forced close`).
    pub fn close(&self) {
        let _ = self.cmd.send(EngineCmd::Close);
    }

    /// Resolves once the session is over and its last packets (the CLOSE packet included) were written.
    pub async fn closed(&self) {
        self.cmd.closed().await
    }

    /// Queues frames for writing; refuses them when `outgoing_bytes` are already waiting (one packet alone
    /// always fits) or the session is over.
    pub(crate) fn send(&self, frames: Vec<Frame>) -> Result<(), Error> {
        let queued = self.shared.queued_bytes.load(Ordering::Acquire);
        if queued > 0 && queued.saturating_add(size(&frames)) > self.shared.outgoing_bytes {
            return Err(Error::SendBufferFull);
        }
        self.shared.queued(&frames);
        match self.cmd.send(EngineCmd::Send(frames)) {
            Ok(()) => Ok(()),
            Err(EngineCmd::Send(frames)) => {
                self.shared.written(&frames);
                Err(Error::Closed)
            }
            Err(_) => Err(Error::Closed),
        }
    }
}
