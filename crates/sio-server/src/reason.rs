//! Why a socket left its namespace: the official disconnect reasons.

use crate::engine::CloseReason;
use std::fmt;

/// Why a socket was disconnected, with the official reason strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The server called `socket.disconnect()`.
    ServerNamespaceDisconnect,
    /// The client called `socket.disconnect()` (it sent a DISCONNECT packet).
    ClientNamespaceDisconnect,
    /// The server is shutting down (`io.close()`).
    ServerShuttingDown,
    /// The client did not answer a PING within `pingTimeout`.
    PingTimeout,
    /// The connection was closed (the user lost connection, or the network changed).
    TransportClose,
    /// The connection encountered an error.
    TransportError,
    /// The server received a packet it could not parse.
    ParseError,
    /// The Engine.IO session was closed by the server.
    ForcedClose,
    /// The client did not join a namespace in time, or sent a packet the protocol does not allow here.
    ForcedServerClose,
}

impl DisconnectReason {
    /// The official reason string (`"transport close"`, ...).
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::ServerNamespaceDisconnect => "server namespace disconnect",
            Self::ClientNamespaceDisconnect => "client namespace disconnect",
            Self::ServerShuttingDown => "server shutting down",
            Self::PingTimeout => "ping timeout",
            Self::TransportClose => "transport close",
            Self::TransportError => "transport error",
            Self::ParseError => "parse error",
            Self::ForcedClose => "forced close",
            Self::ForcedServerClose => "forced server close",
        }
    }
}

impl DisconnectReason {
    /// Whether connection state recovery keeps the socket's state after this reason (every reason but an
    /// explicit disconnection by either side and a parse error, as in the official server).
    pub const fn is_recoverable(&self) -> bool {
        matches!(
            self,
            Self::TransportError
                | Self::TransportClose
                | Self::ForcedClose
                | Self::PingTimeout
                | Self::ServerShuttingDown
                | Self::ForcedServerClose
        )
    }
}

impl From<CloseReason> for DisconnectReason {
    fn from(reason: CloseReason) -> Self {
        match reason {
            CloseReason::TransportClose => Self::TransportClose,
            CloseReason::TransportError => Self::TransportError,
            CloseReason::PingTimeout => Self::PingTimeout,
            CloseReason::ForcedClose => Self::ForcedClose,
            CloseReason::ServerShuttingDown => Self::ServerShuttingDown,
            CloseReason::ParseError => Self::ParseError,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_the_official_strings() {
        let all = [
            (
                DisconnectReason::ServerNamespaceDisconnect,
                "server namespace disconnect",
            ),
            (
                DisconnectReason::ClientNamespaceDisconnect,
                "client namespace disconnect",
            ),
            (DisconnectReason::ServerShuttingDown, "server shutting down"),
            (DisconnectReason::PingTimeout, "ping timeout"),
            (DisconnectReason::TransportClose, "transport close"),
            (DisconnectReason::TransportError, "transport error"),
            (DisconnectReason::ParseError, "parse error"),
            (DisconnectReason::ForcedClose, "forced close"),
            (DisconnectReason::ForcedServerClose, "forced server close"),
        ];
        for (reason, s) in all {
            assert_eq!(reason.as_str(), s);
            assert_eq!(reason.to_string(), s);
        }
        assert_eq!(
            DisconnectReason::from(CloseReason::PingTimeout),
            DisconnectReason::PingTimeout
        );
        assert_eq!(
            DisconnectReason::from(CloseReason::TransportClose),
            DisconnectReason::TransportClose
        );
    }
}
