//! Redis for sio: cluster adapters and an emitter that speak the official Node packages' wire formats, so
//! that Rust and Node servers share one cluster.
//!
//! - [`RedisAdapterFactory`]: the classic pub/sub adapter of `@socket.io/redis-adapter` 8.x.
//! - [`sharded_adapter`]: the sharded pub/sub adapter of the same package (`createShardedAdapter`,
//!   Redis 7), on the cluster adapter core of `sio-cluster`.
//! - [`Emitter`]: emits into such a cluster from a process without a server (`@socket.io/redis-emitter` 5.x).
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

pub use classic::{RedisAdapter, RedisAdapterFactory, RedisAdapterOptions};
pub use connection::{RedisConnection, RedisError, RedisTarget};
pub use emitter::{Emitter, EmitterOperator};
pub use sharded::{
    sharded_adapter, ShardedAdapterFactory, ShardedAdapterOptions, ShardedTransport,
    ShardedTransports, SubscriptionMode,
};
