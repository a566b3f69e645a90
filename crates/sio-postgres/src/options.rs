//! The options of the PostgreSQL adapter, named and defaulted as those of npm `@socket.io/postgres-adapter`
//! (`PostgresAdapterOptions` and the `ClusterAdapterOptions` it extends), and the error handler.

use crate::error::PostgresError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The largest payload PostgreSQL accepts in a `NOTIFY` is 7999 bytes (in its default configuration).
pub const DEFAULT_PAYLOAD_THRESHOLD: usize = 8000;

/// Receives the errors the adapter cannot return to a caller (a notification that cannot be read, a
/// failed cleanup, a lost connection...): the official `errorHandler`.
#[derive(Clone)]
pub struct ErrorHandler(Arc<dyn Fn(&PostgresError) + Send + Sync>);

impl ErrorHandler {
    /// A handler calling `f`.
    pub fn new(f: impl Fn(&PostgresError) + Send + Sync + 'static) -> Self {
        ErrorHandler(Arc::new(f))
    }

    /// Hands `error` to the handler.
    pub fn handle(&self, error: &PostgresError) {
        (self.0)(error)
    }
}

impl Default for ErrorHandler {
    /// Logs the error with `tracing` at the `warn` level (the official default logs it with `debug`).
    fn default() -> Self {
        ErrorHandler::new(|error| tracing::warn!(%error, "postgres adapter error"))
    }
}

impl fmt::Debug for ErrorHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorHandler")
    }
}

/// The options of [`postgres_adapter`](crate::postgres_adapter). Every node of a cluster, Rust or Node, must
/// use the same `channel_prefix` and `table_name`.
#[derive(Debug, Clone)]
pub struct PostgresAdapterOptions {
    /// The prefix of the notification channels (`channelPrefix`, default `socket.io`): namespace `/`
    /// listens on the channel `socket.io#/`. PostgreSQL channel names have at most 63 bytes.
    pub channel_prefix: String,
    /// The table holding the payloads that contain binary data or are too large for a `NOTIFY`
    /// (`tableName`, default `socket_io_attachments`). It is written into the SQL as it is, as the
    /// official adapter does, so it may be schema-qualified (`myschema.attachments`); it is created if
    /// missing.
    pub table_name: String,
    /// A message whose JSON text has at least this many bytes goes through the table
    /// (`payloadThreshold`, default 8000).
    pub payload_threshold: usize,
    /// How often rows older than this are deleted from the table (`cleanupInterval`, default 30 s).
    pub cleanup_interval: Duration,
    /// A heartbeat is published this long after this node's last message (`heartbeatInterval`,
    /// default 5 s).
    pub heartbeat_interval: Duration,
    /// A node not heard from for this long is considered gone (`heartbeatTimeout`, default 10 s).
    pub heartbeat_timeout: Duration,
    /// How long `fetch_sockets` waits for the other nodes when the caller set no timeout (default 5 s,
    /// the official fixed value).
    pub requests_timeout: Duration,
    /// Where the errors no caller sees go (`errorHandler`, default: a `tracing` warning).
    pub error_handler: ErrorHandler,
}

impl Default for PostgresAdapterOptions {
    fn default() -> Self {
        PostgresAdapterOptions {
            channel_prefix: "socket.io".into(),
            table_name: "socket_io_attachments".into(),
            payload_threshold: DEFAULT_PAYLOAD_THRESHOLD,
            cleanup_interval: Duration::from_secs(30),
            heartbeat_interval: Duration::from_secs(5),
            heartbeat_timeout: Duration::from_secs(10),
            requests_timeout: sio_cluster::DEFAULT_REQUESTS_TIMEOUT,
            error_handler: ErrorHandler::default(),
        }
    }
}

impl PostgresAdapterOptions {
    /// The notification channel of a namespace: `<channelPrefix>#<nsp>` (no trailing `#`).
    pub fn channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}", self.channel_prefix)
    }

    /// Checks what would otherwise fail later, or silently: a table name that is not a plain or
    /// schema-qualified identifier, a zero interval or threshold.
    pub(crate) fn validate(&self) -> Result<(), PostgresError> {
        let table_ok = !self.table_name.is_empty()
            && self
                .table_name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | '"'));
        if !table_ok {
            return Err(PostgresError::Config(format!(
                "table name {:?} is not an identifier",
                self.table_name
            )));
        }
        if self.payload_threshold == 0 {
            return Err(PostgresError::Config("payload threshold is 0".into()));
        }
        for (name, value) in [
            ("cleanup interval", self.cleanup_interval),
            ("heartbeat interval", self.heartbeat_interval),
            ("heartbeat timeout", self.heartbeat_timeout),
        ] {
            if value.is_zero() {
                return Err(PostgresError::Config(format!("{name} is 0")));
            }
        }
        Ok(())
    }
}
