//! Redis for sio: cluster adapters and an emitter that speak the official Node packages' wire formats, so
//! that Rust and Node servers share one cluster.
//!
//! - [`RedisAdapterFactory`]: the classic pub/sub adapter of `@socket.io/redis-adapter` 8.x.
//! - [`sharded_adapter`]: the sharded pub/sub adapter of the same package (`createShardedAdapter`,
//!   Redis 7), on the cluster adapter core of `sio-cluster`.
//! - [`streams_adapter`]: the Redis Streams adapter of `@socket.io/redis-streams-adapter` 0.3.x, with
//!   connection state recovery across nodes (Rust and Node alike).
//! - [`Emitter`]: emits into such a cluster from a process without a server (`@socket.io/redis-emitter` 5.x).
//!
//! ```no_run
//! use sio_redis::{RedisAdapterFactory, RedisAdapterOptions, RedisConnection, RedisTarget};
//! use sio_server::{Server, ServerConfig};
//! use std::sync::Arc;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // One URL for a single Redis, several (comma-separated) for the nodes of a Redis Cluster.
//! let conn = RedisConnection::connect(&RedisTarget::parse("redis://127.0.0.1:6379")).await?;
//! let adapter = RedisAdapterFactory::new(conn, RedisAdapterOptions::default());
//! let io = Server::new(ServerConfig::default().adapter(Arc::new(adapter)));
//! io.on_server_event("ping", |_args, ack| async move {
//!     if let Some(ack) = ack {
//!         ack("pong".into());
//!     }
//! });
//! io.to("room1").emit("news", &"to room1 on every server").await?;
//! let pongs = io
//!     .server_side_emit_with_ack("ping", &(), std::time::Duration::from_secs(1))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! The Redis client is [redis-rs](https://docs.rs/redis) (tokio, `cluster-async`, `connection-manager`):
//! the most used Rust client, with RESP3 push messages on single servers and clusters alike, sharded
//! pub/sub, a connection manager that reconnects with backoff, and a cluster connection that renews its
//! subscriptions by itself. No Redis type appears in sio-server.

mod classic;
mod connection;
mod details;
mod emitter;
mod publisher;
mod sharded;
mod streams;

pub use classic::{RedisAdapter, RedisAdapterFactory, RedisAdapterOptions};
pub use connection::{RedisConnection, RedisError, RedisTarget};
pub use emitter::{Emitter, EmitterOperator};
pub use sharded::{
    sharded_adapter, ShardedAdapterFactory, ShardedAdapterOptions, ShardedTransport,
    ShardedTransports, SubscriptionMode,
};
pub use streams::{
    hash_code, streams_adapter, StreamsAdapterFactory, StreamsAdapterOptions, StreamsTransport,
    StreamsTransports,
};

#[cfg(doctest)]
mod readmes;
