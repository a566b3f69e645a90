//! The workloads W1..W9 and their sizes in full and smoke mode.

use serde::Serialize;
use std::time::Duration;

/// One row of the benchmark table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Workload {
    /// W1: idle websocket clients connected to `/`; server RSS per connection.
    IdleMemory,
    /// W1 on a server with connection state recovery on.
    IdleMemoryRecovery,
    /// W2: full Engine.IO open + Socket.IO CONNECT over websocket, 128 in flight; connections/s.
    HandshakeRate,
    /// W3: 100 connections, 16 echoes in flight, 32-byte payload; messages/s, p99.
    Echo32,
    /// W3 with a 1 KiB payload.
    Echo1k,
    /// W3 with a 4 KiB payload.
    Echo4k,
    /// W3 with a 4 KiB payload over permessage-deflate (server and clients negotiate it; the server
    /// compresses its echoes, the clients send theirs plain).
    Echo4kDeflate,
    /// W3 echo 32 B over WebTransport instead of websocket (sio only: the peers have no WebTransport).
    Echo32WebTransport,
    /// W4: `io.emit` of a ~100-byte event to 1,000 clients; deliveries/s.
    Broadcast1k,
    /// W4 1k on a server with connection state recovery on (every broadcast is kept, with its offset).
    Broadcast1kRecovery,
    /// W4 at 10,000 clients.
    Broadcast10k,
    /// W4 driven by the server: it broadcasts on its own to 1,000 clients that only count, at most a
    /// window ahead of what one of them reports; deliveries/s.
    Flood1k,
    /// The server-driven W4 at 10,000 clients.
    Flood10k,
    /// W5: 10,000 clients in rooms of 10, each emitting to its room; deliveries/s, p99.
    Rooms,
    /// W6: emit-with-ack, 16 in flight over 100 connections; acks/s.
    Acks,
    /// W10: 1,000 connections over 100 namespaces, 4 echoes in flight each, 32-byte payload; messages/s.
    Namespaces,
    /// W7: 1,000 polling-only clients exchanging events; events/s and server CPU per event.
    Polling,
    /// W8: `io.emit` of a ~100-byte event to 1,000 clients spread over a 3-node cluster on one Redis;
    /// deliveries/s, server CPU per delivery (summed over the nodes) and Redis CPU per delivery.
    ClusterBroadcast,
    /// W8 driven by the server: the server-driven W4 on the same cluster (the first node broadcasts on its
    /// own, every node's clients only count); deliveries/s and server CPU per delivery.
    ClusterFlood,
    /// W9: connection state recovery across a 3-node cluster on the Redis streams adapter: a client
    /// drops, misses 10 room events and reconnects to another node; recoveries/s and the time from
    /// reconnect to recovered (p50, p99).
    ClusterRecovery,
}

/// Full benchmark or the few-clients smoke run of the test suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The sizes of the issue, several seconds per run.
    Full,
    /// A few clients, about a second per workload.
    Smoke,
}

/// How big a workload is and how long it is measured.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Size {
    /// Connections (or handshakes for W2; over all nodes for W8; recovery cycles per run for W9).
    pub clients: usize,
    /// Requests in flight per connection (W3, W6), handshakes in flight (W2), broadcasts in flight (W4, W8), recovery workers (W9).
    pub in_flight: usize,
    /// Payload bytes of the event data string.
    pub payload: usize,
}

/// Timing of the measured runs.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Timing {
    /// Unmeasured run before the measured ones.
    pub warmup: Duration,
    /// Length of one measured run.
    pub window: Duration,
    /// Number of measured runs (the median is reported).
    pub runs: usize,
}

/// Server processes of a cluster workload (W8), each joined to the same Redis.
pub const CLUSTER_NODES: usize = 3;

impl Timing {
    /// The default timing of a mode.
    pub fn of(mode: Mode) -> Self {
        match mode {
            Mode::Full => Timing {
                warmup: Duration::from_secs(2),
                window: Duration::from_secs(3),
                runs: 3,
            },
            Mode::Smoke => Timing {
                warmup: Duration::from_millis(250),
                window: Duration::from_millis(250),
                runs: 3,
            },
        }
    }
}

impl Workload {
    /// Every workload, in table row order.
    pub const ALL: [Workload; 20] = [
        Workload::IdleMemory,
        Workload::IdleMemoryRecovery,
        Workload::HandshakeRate,
        Workload::Echo32,
        Workload::Echo1k,
        Workload::Echo4k,
        Workload::Echo4kDeflate,
        Workload::Echo32WebTransport,
        Workload::Broadcast1k,
        Workload::Broadcast1kRecovery,
        Workload::Broadcast10k,
        Workload::Flood1k,
        Workload::Flood10k,
        Workload::Rooms,
        Workload::Acks,
        Workload::Namespaces,
        Workload::Polling,
        Workload::ClusterBroadcast,
        Workload::ClusterFlood,
        Workload::ClusterRecovery,
    ];

    /// Short id for the command line and the JSON (`w1`, `w3-1k`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Workload::IdleMemory => "w1",
            Workload::IdleMemoryRecovery => "w1-recovery",
            Workload::HandshakeRate => "w2",
            Workload::Echo32 => "w3",
            Workload::Echo1k => "w3-1k",
            Workload::Echo4k => "w3-4k",
            Workload::Echo4kDeflate => "w3-4k-deflate",
            Workload::Echo32WebTransport => "w3-webtransport",
            Workload::Broadcast1k => "w4-1k",
            Workload::Broadcast1kRecovery => "w4-1k-recovery",
            Workload::Broadcast10k => "w4-10k",
            Workload::Flood1k => "w4-1k-server",
            Workload::Flood10k => "w4-10k-server",
            Workload::Rooms => "w5",
            Workload::Acks => "w6",
            Workload::Namespaces => "w10",
            Workload::Polling => "w7",
            Workload::ClusterBroadcast => "w8",
            Workload::ClusterFlood => "w8-server",
            Workload::ClusterRecovery => "w9",
        }
    }

    /// Parses an id; `w3` and `w4` also select their variants through [`Workload::matches`].
    pub fn matches(self, filter: &str) -> bool {
        self.id() == filter || self.id().split('-').next() == Some(filter)
    }

    /// Human title for tables.
    pub fn title(self) -> &'static str {
        match self {
            Workload::IdleMemory => "W1 idle memory",
            Workload::IdleMemoryRecovery => "W1 idle memory, recovery",
            Workload::HandshakeRate => "W2 handshakes",
            Workload::Echo32 => "W3 echo 32 B",
            Workload::Echo1k => "W3 echo 1 KiB",
            Workload::Echo4k => "W3 echo 4 KiB",
            Workload::Echo4kDeflate => "W3 echo 4 KiB, deflate",
            Workload::Echo32WebTransport => "W3 echo 32 B, WebTransport",
            Workload::Broadcast1k => "W4 broadcast 1k",
            Workload::Broadcast1kRecovery => "W4 broadcast 1k, recovery",
            Workload::Broadcast10k => "W4 broadcast 10k",
            Workload::Flood1k => "W4 server-driven 1k",
            Workload::Flood10k => "W4 server-driven 10k",
            Workload::Rooms => "W5 rooms",
            Workload::Acks => "W6 acks",
            Workload::Namespaces => "W10 100 namespaces",
            Workload::Polling => "W7 polling",
            Workload::ClusterBroadcast => "W8 cluster broadcast",
            Workload::ClusterFlood => "W8 server-driven",
            Workload::ClusterRecovery => "W9 cluster recovery",
        }
    }

    /// Unit of the headline value.
    pub fn unit(self) -> &'static str {
        match self {
            Workload::IdleMemory | Workload::IdleMemoryRecovery => "KiB/conn",
            Workload::HandshakeRate => "conn/s",
            Workload::Echo32
            | Workload::Echo1k
            | Workload::Echo4k
            | Workload::Echo4kDeflate
            | Workload::Echo32WebTransport
            | Workload::Namespaces => "msg/s",
            Workload::Broadcast1k
            | Workload::Broadcast1kRecovery
            | Workload::Broadcast10k
            | Workload::Flood1k
            | Workload::Flood10k
            | Workload::Rooms
            | Workload::ClusterBroadcast
            | Workload::ClusterFlood => "deliveries/s",
            Workload::Acks => "acks/s",
            Workload::Polling => "events/s",
            Workload::ClusterRecovery => "recoveries/s",
        }
    }

    /// One operation of the unit, for figures per operation (`µs CPU/msg`); `None` for W1, which counts memory.
    pub fn operation(self) -> Option<&'static str> {
        match self {
            Workload::IdleMemory | Workload::IdleMemoryRecovery => None,
            Workload::HandshakeRate => Some("conn"),
            Workload::Echo32
            | Workload::Echo1k
            | Workload::Echo4k
            | Workload::Echo4kDeflate
            | Workload::Echo32WebTransport
            | Workload::Namespaces => Some("msg"),
            Workload::Broadcast1k
            | Workload::Broadcast1kRecovery
            | Workload::Broadcast10k
            | Workload::Flood1k
            | Workload::Flood10k
            | Workload::Rooms
            | Workload::ClusterBroadcast
            | Workload::ClusterFlood => Some("delivery"),
            Workload::Acks => Some("ack"),
            Workload::Polling => Some("event"),
            Workload::ClusterRecovery => Some("recovery"),
        }
    }

    /// Whether a lower headline value is better (memory).
    pub fn lower_is_better(self) -> bool {
        self.is_idle()
    }

    /// Whether the workload measures idle memory (W1: a fresh server per run).
    pub fn is_idle(self) -> bool {
        matches!(self, Workload::IdleMemory | Workload::IdleMemoryRecovery)
    }

    /// Whether the servers run with connection state recovery on (servers without it are n/a).
    pub fn is_recovery(self) -> bool {
        matches!(
            self,
            Workload::IdleMemoryRecovery | Workload::Broadcast1kRecovery
        )
    }

    /// Whether the workload runs over permessage-deflate (servers that have it start with it on).
    pub fn is_deflate(self) -> bool {
        self == Workload::Echo4kDeflate
    }

    /// Whether the workload runs over WebTransport (the server listens for it too).
    pub fn is_webtransport(self) -> bool {
        self == Workload::Echo32WebTransport
    }

    /// Whether the workload uses the polling transport.
    pub fn is_polling(self) -> bool {
        self == Workload::Polling
    }

    /// Whether the workload runs on a cluster of [`CLUSTER_NODES`] servers joined through a Redis.
    pub fn is_cluster(self) -> bool {
        matches!(
            self,
            Workload::ClusterBroadcast | Workload::ClusterFlood | Workload::ClusterRecovery
        )
    }

    /// The size of the workload in a mode.
    pub fn size(self, mode: Mode) -> Size {
        let full = mode == Mode::Full;
        let pick = |f: usize, s: usize| if full { f } else { s };
        match self {
            Workload::IdleMemory | Workload::IdleMemoryRecovery => Size {
                clients: pick(10_000, 50),
                in_flight: 128,
                payload: 0,
            },
            Workload::HandshakeRate => Size {
                clients: pick(15_000, 200),
                in_flight: pick(128, 16),
                payload: 0,
            },
            Workload::Echo32 | Workload::Echo32WebTransport => Size {
                clients: pick(100, 10),
                in_flight: 16,
                payload: 32,
            },
            Workload::Echo1k => Size {
                clients: pick(100, 10),
                in_flight: 16,
                payload: 1024,
            },
            Workload::Echo4k | Workload::Echo4kDeflate => Size {
                clients: pick(100, 10),
                in_flight: 16,
                payload: 4096,
            },
            Workload::Broadcast1k | Workload::Broadcast1kRecovery => Size {
                clients: pick(1_000, 20),
                in_flight: 4,
                payload: 100,
            },
            Workload::Broadcast10k => Size {
                clients: pick(10_000, 50),
                in_flight: 4,
                payload: 100,
            },
            Workload::Flood1k | Workload::ClusterFlood => Size {
                clients: pick(1_000, 20),
                in_flight: 32,
                payload: 100,
            },
            Workload::Flood10k => Size {
                clients: pick(10_000, 50),
                in_flight: 32,
                payload: 100,
            },
            Workload::Rooms => Size {
                clients: pick(10_000, 50),
                in_flight: 1,
                payload: 32,
            },
            Workload::Namespaces => Size {
                clients: pick(1_000, 100),
                in_flight: 4,
                payload: 32,
            },
            Workload::Acks => Size {
                clients: pick(100, 10),
                in_flight: 16,
                payload: 32,
            },
            Workload::Polling => Size {
                clients: pick(1_000, 10),
                in_flight: 1,
                payload: 32,
            },
            Workload::ClusterBroadcast => Size {
                clients: pick(1_000, 12),
                in_flight: 4,
                payload: 100,
            },
            Workload::ClusterRecovery => Size {
                clients: pick(1_000, 6),
                in_flight: pick(16, 2),
                payload: 0,
            },
        }
    }
}
