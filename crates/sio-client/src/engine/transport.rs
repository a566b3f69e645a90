//! The transport in use by a session: polling, websocket or WebTransport, behind one interface.

use super::polling::{PollEvent, Polling};
use super::websocket::{WebSocket, WsEvent};
#[cfg(feature = "webtransport")]
use super::webtransport::WebTransport;
use crate::options::TransportKind;
use sio_protocol::engine::{Frame, Packet};

/// Something that happened on the transport.
#[derive(Debug)]
pub(crate) enum TransportEvent {
    Packets(Vec<Packet>),
    Packet(Packet),
    Drain,
    /// Closed by the peer: `transport close`.
    Closed,
    /// Failed: `transport error`.
    Error(String),
}

/// The active transport. Each variant is boxed: a session holds one, and its upgrade may hold another.
// `WebTransport` is the protocol's name, not a repetition of the enum's.
#[allow(clippy::enum_variant_names)]
pub(crate) enum Transport {
    Polling(Box<Polling>),
    WebSocket(Box<WebSocket>),
    #[cfg(feature = "webtransport")]
    WebTransport(Box<WebTransport>),
}

impl Transport {
    pub fn kind(&self) -> TransportKind {
        match self {
            Transport::Polling(_) => TransportKind::Polling,
            Transport::WebSocket(_) => TransportKind::WebSocket,
            #[cfg(feature = "webtransport")]
            Transport::WebTransport(_) => TransportKind::WebTransport,
        }
    }

    /// Whether frames may be written now.
    pub fn writable(&self) -> bool {
        match self {
            Transport::Polling(p) => p.writable(),
            _ => true,
        }
    }

    /// Writes frames. Polling starts a POST whose end is reported as `Drain`; a stream transport
    /// writes at once and returns `Some(Drain)` (or the error).
    pub async fn send(&mut self, frames: &[Frame]) -> Option<TransportEvent> {
        let written = match self {
            Transport::Polling(p) => {
                p.send(frames);
                return None;
            }
            Transport::WebSocket(ws) => ws.send(frames).await,
            #[cfg(feature = "webtransport")]
            Transport::WebTransport(wt) => wt.send(frames).await,
        };
        Some(match written {
            Ok(()) => TransportEvent::Drain,
            Err(e) => TransportEvent::Error(e),
        })
    }

    /// The next event. Cancel-safe.
    pub async fn next(&mut self) -> TransportEvent {
        let event = match self {
            Transport::Polling(p) => {
                return match p.next().await {
                    PollEvent::Packets(ps) => TransportEvent::Packets(ps),
                    PollEvent::Drain => TransportEvent::Drain,
                    PollEvent::Error(e) => TransportEvent::Error(e),
                }
            }
            Transport::WebSocket(ws) => ws.next().await,
            #[cfg(feature = "webtransport")]
            Transport::WebTransport(wt) => wt.next().await,
        };
        match event {
            WsEvent::Packet(p) => TransportEvent::Packet(p),
            WsEvent::Closed => TransportEvent::Closed,
            WsEvent::Error(e) => TransportEvent::Error(e),
        }
    }

    /// Closes a stream transport (best effort); polling has nothing to close.
    pub async fn close(&mut self) {
        match self {
            Transport::Polling(_) => {}
            Transport::WebSocket(ws) => ws.close().await,
            #[cfg(feature = "webtransport")]
            Transport::WebTransport(wt) => wt.close().await,
        }
    }
}
