//! The transport in use by a session: polling or websocket, behind one interface.

use super::polling::{PollEvent, Polling};
use super::websocket::{WebSocket, WsEvent};
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

/// The active transport.
pub(crate) enum Transport {
    Polling(Polling),
    WebSocket(Box<WebSocket>),
}

impl Transport {
    pub fn kind(&self) -> TransportKind {
        match self {
            Transport::Polling(_) => TransportKind::Polling,
            Transport::WebSocket(_) => TransportKind::WebSocket,
        }
    }

    /// Whether frames may be written now.
    pub fn writable(&self) -> bool {
        match self {
            Transport::Polling(p) => p.writable(),
            Transport::WebSocket(_) => true,
        }
    }

    /// Writes frames. Polling starts a POST whose end is reported as `Drain`; websocket writes at once and
    /// returns `Some(Drain)` (or the error).
    pub async fn send(&mut self, frames: &[Frame]) -> Option<TransportEvent> {
        match self {
            Transport::Polling(p) => {
                p.send(frames);
                None
            }
            Transport::WebSocket(ws) => Some(match ws.send(frames).await {
                Ok(()) => TransportEvent::Drain,
                Err(e) => TransportEvent::Error(e),
            }),
        }
    }

    /// The next event. Cancel-safe.
    pub async fn next(&mut self) -> TransportEvent {
        match self {
            Transport::Polling(p) => match p.next().await {
                PollEvent::Packets(ps) => TransportEvent::Packets(ps),
                PollEvent::Drain => TransportEvent::Drain,
                PollEvent::Error(e) => TransportEvent::Error(e),
            },
            Transport::WebSocket(ws) => match ws.next().await {
                WsEvent::Packet(p) => TransportEvent::Packet(p),
                WsEvent::Closed => TransportEvent::Closed,
                WsEvent::Error(e) => TransportEvent::Error(e),
            },
        }
    }
}
