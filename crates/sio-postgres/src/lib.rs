//! PostgreSQL for sio: a cluster adapter byte-compatible with npm `@socket.io/postgres-adapter` 0.5, so
//! that Rust and Node servers share one cluster through one database.
//!
//! It is the official `ClusterAdapterWithHeartbeat` model of `sio-cluster` (nodes count each other by
//! heartbeats) over PostgreSQL `LISTEN`/`NOTIFY`:
//!
//! - Every message of namespace `/` is notified on the channel `socket.io#/` (`<channelPrefix>#<nsp>`) as
//!   the JSON text of the official `ClusterMessage`; responses use the same channel.
//! - A message with binary data (BROADCAST, BROADCAST_ACK, SERVER_SIDE_EMIT, SERVER_SIDE_EMIT_RESPONSE), or
//!   whose JSON text reaches `payloadThreshold` (8000 bytes: PostgreSQL refuses larger notifications), is
//!   stored as msgpack in a row of the attachments table (`socket_io_attachments`, created if missing) and
//!   the notification carries only `{"uid":...,"type":...,"attachmentId":"<row id>"}`. Rows older than
//!   `cleanupInterval` are deleted every `cleanupInterval`.
//! - One dedicated connection listens (and listens again after reconnecting); another sends, in call
//!   order: messages are queued when the operation is called and pipelined on that one connection, so that
//!   back-to-back broadcasts reach every node in order (see [`compatibility`](#differences-from-the-official-adapter)).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use sio_postgres::{postgres_adapter, PostgresAdapterOptions};
//! use sio_server::{Server, ServerConfig};
//!
//! let factory = postgres_adapter("postgres://postgres@127.0.0.1/test", PostgresAdapterOptions::default())?;
//! let io = Server::new(ServerConfig::default().adapter(std::sync::Arc::new(factory)));
//! # Ok(()) }
//! ```
//!
//! # Why tokio-postgres
//!
//! The adapter needs asynchronous notifications (`LISTEN`), which pools and ORMs (sqlx's `PgListener`
//! aside) do not expose well, and only two long-lived connections, so no pool. tokio-postgres is the
//! reference asynchronous driver: it hands notifications over from `Connection::poll_message`, pipelines
//! requests sent on one client in order (which is what keeps broadcasts ordered here), takes any TLS
//! implementation through `MakeTlsConnect`, and brings no macro or compile-time database check.
//!
//! # Differences from the official adapter
//!
//! - Messages are sent in call order on one connection (the official one takes any free pooled
//!   connection, so back-to-back broadcasts may arrive scrambled), and received messages are handed over
//!   in notification order even when one waits for its attachment.
//! - A payload of exactly `payloadThreshold` bytes goes through the table (0.5.0 tried to notify it, which
//!   PostgreSQL refuses; fixed the same way after 0.5.0).
//! - The row is inserted and notified in one statement (one transaction); the header is byte for byte the
//!   official one.
//! - A FETCH_SOCKETS_RESPONSE holding binary socket data goes through the table as msgpack (Node writes
//!   each buffer as `{"type":"Buffer","data":[...]}` JSON).
//! - Connection state recovery is not supported, as in the official adapter.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attachments;
mod connect;
mod error;
mod listener;
mod options;
mod publisher;
mod transport;

pub use connect::IntoConfig;
pub use error::PostgresError;
pub use options::{ErrorHandler, PostgresAdapterOptions, DEFAULT_PAYLOAD_THRESHOLD};
pub use tokio_postgres;
pub use transport::{PostgresTransport, PostgresTransports};

use attachments::Sql;
use connect::Connector;
use listener::Listener;
use publisher::Publisher;
use sio_cluster::{ClusterAdapterFactory, ClusterOptions, HeartbeatOptions};
use std::sync::Arc;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{NoTls, Socket};

/// The adapter factory of the PostgreSQL adapter (see [`postgres_adapter`]).
pub type PostgresAdapterFactory = ClusterAdapterFactory<PostgresTransports>;

/// Creates the PostgreSQL adapter of each namespace (`createAdapter(pool, opts)`), without TLS. `config`
/// is a connection string (`postgres://user@host/db`, `host=... user=...`) or a `tokio_postgres::Config`.
///
/// Starts, on the current tokio runtime, the listening connection, the sending connection and the
/// cleanup timer, which connect by themselves and reconnect when they fail; they stop once the factory
/// and every adapter it made are dropped. Fails only on a bad connection string or option, or outside a
/// tokio runtime.
pub fn postgres_adapter(
    config: impl IntoConfig,
    options: PostgresAdapterOptions,
) -> Result<PostgresAdapterFactory, PostgresError> {
    postgres_adapter_with_tls(config, NoTls, options)
}

/// [`postgres_adapter`] over TLS (`tls`: e.g. a `postgres-native-tls` or `tokio-postgres-rustls`
/// connector).
pub fn postgres_adapter_with_tls<T>(
    config: impl IntoConfig,
    tls: T,
    options: PostgresAdapterOptions,
) -> Result<PostgresAdapterFactory, PostgresError>
where
    T: MakeTlsConnect<Socket> + Clone + Send + Sync + 'static,
    T::Stream: Send + 'static,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let config = config.into_config()?;
    options.validate()?;
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(PostgresError::Config(
            "the postgres adapter must be created within a tokio runtime".into(),
        ));
    }
    let connector = Connector::new(config, tls);
    let sql = Arc::new(Sql::new(&options));
    let errors = options.error_handler.clone();
    let transports = PostgresTransports {
        publisher: Publisher::start(
            connector.clone(),
            sql.clone(),
            errors.clone(),
            options.cleanup_interval,
        ),
        listener: Listener::start(connector, sql, errors),
        options: options.clone(),
    };
    let cluster = ClusterOptions::default()
        .requests_timeout(options.requests_timeout)
        .heartbeat(HeartbeatOptions {
            interval: options.heartbeat_interval,
            timeout: options.heartbeat_timeout,
        });
    Ok(ClusterAdapterFactory::new(transports, cluster))
}
