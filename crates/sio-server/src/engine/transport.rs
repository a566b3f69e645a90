//! The two Engine.IO transports.

use std::fmt;

/// An Engine.IO transport, named as in the `transport` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// HTTP long-polling (`polling`).
    Polling,
    /// WebSocket (`websocket`).
    Websocket,
}

impl Transport {
    /// The wire name: `"polling"` or `"websocket"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Transport::Polling => "polling",
            Transport::Websocket => "websocket",
        }
    }

    /// The transport of a wire name, if it is one.
    pub fn from_name(name: &str) -> Option<Transport> {
        match name {
            "polling" => Some(Transport::Polling),
            "websocket" => Some(Transport::Websocket),
            _ => None,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
