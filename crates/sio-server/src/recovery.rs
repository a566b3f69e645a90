//! Connection state recovery options (`connectionStateRecovery`): how long a disconnected socket's state is kept.

use std::time::Duration;

/// The `connectionStateRecovery` option: a socket disconnected for a recoverable reason (`transport close`,
/// `transport error`, `ping timeout`, `forced close`, `forced server close`, `server shutting down`) keeps
/// its id, rooms, `data` and the broadcasts it missed for `max_disconnection_duration`; a client that
/// reconnects within that time with the private session id and the offset of the last packet it received
/// gets them back (`socket.recovered()` is then true).
///
/// With recovery on, every broadcast EVENT without ack (and every `socket.emit` without ack, which then goes
/// through the adapter) that is not volatile carries its offset as its last argument, as in the official
/// server.
///
/// ```
/// use sio_server::{ConnectionStateRecovery, ServerConfig};
/// use std::time::Duration;
///
/// let config = ServerConfig::default().connection_state_recovery(
///     ConnectionStateRecovery::default().max_disconnection_duration(Duration::from_secs(30)),
/// );
/// assert!(config.connection_state_recovery.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionStateRecovery {
    /// How long sessions and packets are kept (`maxDisconnectionDuration`, 2 minutes).
    pub max_disconnection_duration: Duration,
    /// Whether a recovered socket skips the connect middlewares (`skipMiddlewares`, true).
    pub skip_middlewares: bool,
    /// How many packets the in-memory adapter keeps per namespace for recovery (sio's own bound, 10 000).
    /// When full, the oldest packet is dropped; a client whose offset was dropped is not recovered (it gets
    /// a fresh session rather than an incomplete one).
    pub max_stored_packets: usize,
}

impl Default for ConnectionStateRecovery {
    fn default() -> Self {
        ConnectionStateRecovery {
            max_disconnection_duration: Duration::from_millis(2 * 60 * 1000),
            skip_middlewares: true,
            max_stored_packets: 10_000,
        }
    }
}

impl ConnectionStateRecovery {
    /// Sets `maxDisconnectionDuration` (2 minutes).
    pub fn max_disconnection_duration(mut self, d: Duration) -> Self {
        self.max_disconnection_duration = d;
        self
    }

    /// Sets `skipMiddlewares` (true).
    pub fn skip_middlewares(mut self, skip: bool) -> Self {
        self.skip_middlewares = skip;
        self
    }

    /// Sets the bound on stored packets per namespace (10 000).
    pub fn max_stored_packets(mut self, n: usize) -> Self {
        self.max_stored_packets = n;
        self
    }
}
