//! The Redis Streams adapter of npm `@socket.io/redis-streams-adapter` **0.3.x** (0.2.x used another
//! protocol and cannot share a cluster with it), with connection state recovery across nodes.
//!
//! Every namespace writes its broadcasts and room operations to a Redis stream, which every node reads
//! on a connection of its own; the entry ids are the recovery offsets, the same on every node, so a
//! client that lost its connection to one node (Rust or Node) gets its id, rooms, data and missed
//! events back from another. Requests and their answers go over pub/sub. Sessions are kept in Redis.
//! See [`StreamsTransport`] for what goes where, and [`StreamsAdapterOptions`] for the options.
//!
//! Works on a single Redis (6.2 or later: `GETDEL`) and on a Redis Cluster (one stream key per
//! namespace group, sharded pub/sub available with Redis 7).

mod entry;
mod options;
mod queue;
mod reader;
mod session;
mod transport;

pub use options::{hash_code, StreamsAdapterOptions};
pub use transport::StreamsTransport;

use crate::connection::RedisConnection;
use queue::Queue;
use reader::Registry;
use sio_cluster::{ClusterAdapterFactory, ClusterOptions, TransportContext, TransportFactory};
use std::sync::Arc;

/// The adapter factory of the Redis Streams adapter (see [`streams_adapter`]).
pub type StreamsAdapterFactory = ClusterAdapterFactory<StreamsTransports>;

/// What the namespaces of one factory share: the connection, the ordered command queue, the options and
/// the stream readers.
pub(crate) struct Shared {
    conn: RedisConnection,
    queue: Queue,
    options: StreamsAdapterOptions,
    registry: Arc<Registry>,
}

/// Creates the Redis Streams adapter of each namespace (`createAdapter(redisClient, opts)` of
/// `@socket.io/redis-streams-adapter` 0.3.x); every namespace shares `conn`, and each stream gets a
/// reading connection of its own.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use sio_redis::{streams_adapter, RedisConnection, RedisTarget, StreamsAdapterOptions};
/// use sio_server::{ConnectionStateRecovery, Server, ServerConfig};
///
/// let conn = RedisConnection::connect(&RedisTarget::parse("redis://127.0.0.1:6379")).await?;
/// let factory = streams_adapter(conn, StreamsAdapterOptions::default());
/// let io = Server::new(
///     ServerConfig::default()
///         .adapter(std::sync::Arc::new(factory))
///         .connection_state_recovery(ConnectionStateRecovery::default()),
/// );
/// # Ok(()) }
/// ```
pub fn streams_adapter(
    conn: RedisConnection,
    options: StreamsAdapterOptions,
) -> StreamsAdapterFactory {
    let cluster = ClusterOptions::default().requests_timeout(options.requests_timeout);
    ClusterAdapterFactory::new(
        StreamsTransports {
            shared: Arc::new(Shared {
                queue: Queue::new(conn.clone()),
                conn,
                options,
                registry: Arc::new(Registry::default()),
            }),
        },
        cluster,
    )
}

/// Makes the Redis Streams transport of each namespace.
pub struct StreamsTransports {
    shared: Arc<Shared>,
}

impl TransportFactory for StreamsTransports {
    type Transport = StreamsTransport;

    fn create(&self, ctx: TransportContext) -> StreamsTransport {
        let options = &self.shared.options;
        let nsp = ctx.nsp.name();
        StreamsTransport {
            stream: options.stream_of(nsp),
            public_channel: options.public_channel(nsp),
            private_channel: options.private_channel(nsp, &ctx.uid),
            shared: self.shared.clone(),
            handle: ctx.handle,
            nsp: ctx.nsp,
        }
    }
}
