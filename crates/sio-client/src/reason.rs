//! The official disconnect reasons, with the strings the JavaScript client uses.

use std::fmt;

/// Why a socket (or the engine connection below it) was disconnected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The server disconnected the socket with `socket.disconnect()`. No automatic reconnection.
    IoServerDisconnect,
    /// The client called `disconnect()`. No automatic reconnection.
    IoClientDisconnect,
    /// No ping from the server within pingInterval + pingTimeout. Reconnects.
    PingTimeout,
    /// The connection was closed. Reconnects.
    TransportClose,
    /// The connection failed. Reconnects.
    TransportError,
    /// The server sent something that cannot be decoded. Reconnects.
    ParseError,
    /// The engine connection was closed by the manager (no socket left). No automatic reconnection.
    ForcedClose,
}

impl DisconnectReason {
    /// The official string, e.g. `"io server disconnect"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::IoServerDisconnect => "io server disconnect",
            DisconnectReason::IoClientDisconnect => "io client disconnect",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ForcedClose => "forced close",
        }
    }

    /// Every reason.
    pub const ALL: [DisconnectReason; 7] = {
        use DisconnectReason::*;
        [
            IoServerDisconnect,
            IoClientDisconnect,
            PingTimeout,
            TransportClose,
            TransportError,
            ParseError,
            ForcedClose,
        ]
    };

    /// Whether the client reconnects by itself after this reason (with `reconnection` on).
    pub fn reconnects(self) -> bool {
        !matches!(
            self,
            DisconnectReason::IoServerDisconnect
                | DisconnectReason::IoClientDisconnect
                | DisconnectReason::ForcedClose
        )
    }
}

/// An unknown disconnect reason string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown disconnect reason {0:?}")]
pub struct UnknownReason(pub String);

impl std::str::FromStr for DisconnectReason {
    type Err = UnknownReason;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DisconnectReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownReason(s.to_owned()))
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
    fn official_strings_round_trip() {
        for r in DisconnectReason::ALL {
            assert_eq!(r.as_str().parse::<DisconnectReason>(), Ok(r));
        }
        assert!("nope".parse::<DisconnectReason>().is_err());
        assert!(!DisconnectReason::IoServerDisconnect.reconnects());
        assert!(!DisconnectReason::IoClientDisconnect.reconnects());
        assert!(DisconnectReason::PingTimeout.reconnects());
        assert!(DisconnectReason::TransportClose.reconnects());
        assert!(DisconnectReason::TransportError.reconnects());
    }
}
