//! The cluster adapter core: the official `ClusterAdapter` model of npm `socket.io-adapter` 2.5 (node ids,
//! requests and responses, heartbeats, offsets) written once, behind a small transport trait.
//!
//! A transport (Redis sharded pub/sub, Redis Streams, PostgreSQL...) implements [`Transport`]: it publishes
//! [`ClusterMessage`]s to the other nodes and hands the ones it receives to the [`ClusterHandle`] it got at
//! creation. A [`ClusterAdapterFactory`] makes one [`ClusterAdapter`] (and one transport) per namespace:
//!
//! ```no_run
//! # use sio_cluster::*;
//! # use futures_util::future::BoxFuture;
//! # use sio_server::AdapterError;
//! struct MyTransport { handle: ClusterHandle }
//! impl Transport for MyTransport {
//!     fn publish(&self, msg: ClusterMessage) -> BoxFuture<'_, Result<Option<Offset>, AdapterError>> {
//!         let bytes = msg.encode_json_unless_binary();
//!         Box::pin(async move { /* send `bytes` to every node */ let _ = bytes; Ok(None) })
//!     }
//!     fn publish_response(&self, _to: String, msg: ClusterMessage) -> BoxFuture<'_, Result<(), AdapterError>> {
//!         Box::pin(async move { let _ = msg; Ok(()) })
//!     }
//! }
//! // Incoming bytes go to `handle.on_bytes(&bytes, None)`.
//! let factory = ClusterAdapterFactory::new(
//!     |ctx: TransportContext| MyTransport { handle: ctx.handle },
//!     ClusterOptions::default().with_heartbeat(),
//! );
//! let io = sio_server::Server::new(sio_server::ServerConfig::default().adapter(std::sync::Arc::new(factory)));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod adapter;
pub mod message;
mod options;
mod transport;

pub use adapter::{random_id, ClusterAdapter, ClusterAdapterFactory};
pub use message::{ClusterMessage, CodecError, MessageBody, MessageType, EMITTER_UID};
pub use options::{ClusterOptions, HeartbeatOptions, DEFAULT_REQUESTS_TIMEOUT};
pub use transport::{ClusterHandle, Offset, Transport, TransportContext, TransportFactory};
