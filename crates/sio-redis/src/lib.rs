//! Redis for sio: cluster adapters and an emitter that speak the official Node packages' wire formats, so
//! that Rust and Node servers share one cluster.
//!
//! - [`RedisAdapterFactory`]: the classic pub/sub adapter of `@socket.io/redis-adapter` 8.x.
//!
//! The Redis client is [redis-rs](https://docs.rs/redis) (tokio, `cluster-async`, `connection-manager`):
//! the most used Rust client, with RESP3 push messages on single servers and clusters alike, sharded
//! pub/sub, a connection manager that reconnects with backoff, and a cluster connection that renews its
//! subscriptions by itself. No Redis type appears in sio-server.

mod classic;
mod connection;
mod details;
mod publisher;

pub use classic::{RedisAdapter, RedisAdapterFactory, RedisAdapterOptions};
pub use connection::{RedisConnection, RedisError, RedisTarget};
