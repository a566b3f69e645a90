//! Why an Engine.IO session closed, with the official reason strings.

use std::fmt;

/// Why a session closed; [`as_str`](Self::as_str) gives the string the official server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client closed the transport (websocket closed, `1` packet, pending poll aborted).
    TransportClose,
    /// The transport failed: I/O error, protocol violation, a message over the size limit, a full queue.
    TransportError,
    /// The client did not answer a ping within `pingTimeout`.
    PingTimeout,
    /// The server closed the session ([`EngineSocket::close`](super::EngineSocket::close)).
    ForcedClose,
    /// The server is shutting down ([`Engine::close`](super::Engine::close)).
    ServerShuttingDown,
    /// The client sent a packet that does not decode.
    ParseError,
}

impl CloseReason {
    /// The official reason string (`"transport close"`, `"ping timeout"`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ServerShuttingDown => "server shutting down",
            CloseReason::ParseError => "parse error",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
