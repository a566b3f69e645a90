//! The classic pub/sub adapter, byte-compatible with npm `@socket.io/redis-adapter` 8.x `createAdapter`.
//!
//! Channels, for the key `socket.io` and the namespace `/`: broadcasts on `socket.io#/#` (or
//! `socket.io#/#room#` when they target one room; every node listens with the pattern `socket.io#/#*`),
//! requests on `socket.io-request#/#`, answers on `socket.io-response#/#` or the asker's
//! `socket.io-response#/#<uid>#`. The server count is the subscriber count of the request channel, so each
//! node holds exactly one subscription to it per namespace.

mod adapter;
mod incoming;
pub(crate) mod message;
mod requests;

pub use adapter::RedisAdapter;

use crate::connection::RedisConnection;
use crate::publisher::Publisher;
use sio_server::adapter::{Adapter, AdapterFactory, NamespaceHandle};
use std::sync::Arc;
use std::time::Duration;

/// The options of the classic adapter, named and defaulted as the official ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisAdapterOptions {
    /// The prefix of every channel (`key`, default `socket.io`).
    pub key: String,
    /// How long to wait for the other servers' answers (`requestsTimeout`, default 5 s).
    pub requests_timeout: Duration,
    /// Answer a request on the asker's own channel rather than the shared one
    /// (`publishOnSpecificResponseChannel`, default false). Every node listens on both.
    pub publish_on_specific_response_channel: bool,
}

impl Default for RedisAdapterOptions {
    fn default() -> Self {
        RedisAdapterOptions {
            key: "socket.io".to_owned(),
            requests_timeout: Duration::from_secs(5),
            publish_on_specific_response_channel: false,
        }
    }
}

/// Creates the classic Redis adapter of each namespace (`createAdapter(pubClient, subClient, opts)`); every
/// namespace shares the factory's connection.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use sio_redis::{RedisAdapterFactory, RedisAdapterOptions, RedisConnection, RedisTarget};
/// use sio_server::{Server, ServerConfig};
///
/// let conn = RedisConnection::connect(&RedisTarget::parse("redis://127.0.0.1:6379")).await?;
/// let factory = RedisAdapterFactory::new(conn, RedisAdapterOptions::default());
/// let io = Server::new(ServerConfig::default().adapter(std::sync::Arc::new(factory)));
/// # Ok(()) }
/// ```
pub struct RedisAdapterFactory {
    conn: RedisConnection,
    publisher: Publisher,
    options: RedisAdapterOptions,
}

impl RedisAdapterFactory {
    /// A factory whose adapters use `conn`.
    pub fn new(conn: RedisConnection, options: RedisAdapterOptions) -> Self {
        RedisAdapterFactory {
            publisher: Publisher::new(conn.clone()),
            conn,
            options,
        }
    }
}

impl AdapterFactory for RedisAdapterFactory {
    fn create(&self, nsp: NamespaceHandle) -> Arc<dyn Adapter> {
        RedisAdapter::new(
            nsp,
            self.conn.clone(),
            self.publisher.clone(),
            self.options.clone(),
        )
    }
}
