//! The Engine.IO transports.

use std::fmt;

/// An Engine.IO transport, named as in the `transport` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// HTTP long-polling (`polling`).
    Polling,
    /// WebSocket (`websocket`).
    Websocket,
    /// WebTransport over HTTP/3 (`webtransport`), served by its own listener (the `webtransport`
    /// feature, see [`Engine::listen_webtransport`](super::Engine)); opt-in, as officially.
    WebTransport,
}

impl Transport {
    /// The wire name: `"polling"`, `"websocket"` or `"webtransport"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Transport::Polling => "polling",
            Transport::Websocket => "websocket",
            Transport::WebTransport => "webtransport",
        }
    }

    /// The transport of a wire name, if it is one.
    pub fn from_name(name: &str) -> Option<Transport> {
        match name {
            "polling" => Some(Transport::Polling),
            "websocket" => Some(Transport::Websocket),
            "webtransport" => Some(Transport::WebTransport),
            _ => None,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
