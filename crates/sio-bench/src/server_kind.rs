//! The servers under test and what each can run.

use serde::Serialize;
use std::fmt;

/// A server implementation the harness can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    /// sio (release build of the `sio-bench-server` binary).
    Sio,
    /// The physical-limit reference: plain tokio-tungstenite websocket echo/broadcast.
    Ceiling,
    /// socketioxide from crates.io (peer package under `peers/`).
    Socketioxide,
    /// npm socket.io 4.8 on Node (`tests/js/bench/server.js`).
    Node,
}

impl ServerKind {
    /// Every server, in table column order.
    pub const ALL: [ServerKind; 4] = [
        ServerKind::Sio,
        ServerKind::Ceiling,
        ServerKind::Socketioxide,
        ServerKind::Node,
    ];

    /// Short name used on the command line and in tables.
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Sio => "sio",
            ServerKind::Ceiling => "ceiling",
            ServerKind::Socketioxide => "socketioxide",
            ServerKind::Node => "node",
        }
    }

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the server speaks the polling transport (the ceiling is websocket only).
    pub fn supports_polling(self) -> bool {
        self != ServerKind::Ceiling
    }

    /// Whether the server has permessage-deflate (the ceiling and socketioxide, on tungstenite, do not).
    pub fn supports_deflate(self) -> bool {
        matches!(self, ServerKind::Sio | ServerKind::Node)
    }

    /// Whether the server has WebTransport (`--webtransport`; only sio among the peers).
    pub fn supports_webtransport(self) -> bool {
        self == ServerKind::Sio
    }

    /// Whether the server has connection state recovery (`--recovery`; socketioxide's peer and the
    /// ceiling have none).
    pub fn supports_recovery(self) -> bool {
        matches!(self, ServerKind::Sio | ServerKind::Node)
    }

    /// Whether the server can join a cluster through Redis (the ceiling has no adapter).
    pub fn supports_cluster(self) -> bool {
        self != ServerKind::Ceiling
    }

    /// Whether its Redis adapter receives broadcasts on a pattern subscription (`socket.io#/#*`, the
    /// classic `@socket.io/redis-adapter` protocol that sio and Node speak); socketioxide-redis sends them
    /// on the request channel.
    pub fn cluster_uses_pattern(self) -> bool {
        matches!(self, ServerKind::Sio | ServerKind::Node)
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
