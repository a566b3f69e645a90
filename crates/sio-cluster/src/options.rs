//! The options of a cluster adapter: request timeout and the optional heartbeat mode.

use std::time::Duration;

/// How long a `fetch_sockets` waits for the other nodes when the operator set no timeout (the official
/// `DEFAULT_TIMEOUT`).
pub const DEFAULT_REQUESTS_TIMEOUT: Duration = Duration::from_millis(5000);

/// The options of a [`ClusterAdapter`](crate::ClusterAdapter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOptions {
    /// How long `fetch_sockets` waits for the other nodes when the operator set no timeout; also how long
    /// this node relays its clients' acknowledgements of a remote broadcast that set no timeout.
    /// Default 5 s.
    pub requests_timeout: Duration,
    /// Count nodes by heartbeats (the official `ClusterAdapterWithHeartbeat`) instead of asking the
    /// transport. `None` (the default): the transport counts.
    pub heartbeat: Option<HeartbeatOptions>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            requests_timeout: DEFAULT_REQUESTS_TIMEOUT,
            heartbeat: None,
        }
    }
}

impl ClusterOptions {
    /// Heartbeat mode with the official defaults (5 s interval, 10 s timeout).
    pub fn with_heartbeat(mut self) -> Self {
        self.heartbeat = Some(HeartbeatOptions::default());
        self
    }

    /// Heartbeat mode with these options.
    pub fn heartbeat(mut self, heartbeat: HeartbeatOptions) -> Self {
        self.heartbeat = Some(heartbeat);
        self
    }

    /// Sets [`requests_timeout`](Self::requests_timeout).
    pub fn requests_timeout(mut self, timeout: Duration) -> Self {
        self.requests_timeout = timeout;
        self
    }
}

/// The heartbeat mode's timings (`heartbeatInterval`, `heartbeatTimeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeartbeatOptions {
    /// A HEARTBEAT is published this long after this node's last publication. Default 5 s.
    pub interval: Duration,
    /// A node not heard from for this long is considered gone. Default 10 s.
    pub timeout: Duration,
}

impl Default for HeartbeatOptions {
    fn default() -> Self {
        HeartbeatOptions {
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
        }
    }
}
