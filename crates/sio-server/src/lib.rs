//! sio-server: a Socket.IO v5 / Engine.IO v4 server for tokio, hyper and tower.
//!
//! The [`engine`] module is the Engine.IO server; everything else is the Socket.IO layer on top of it:
//! a [`Server`] with [`Namespace`]s, [`Socket`]s, rooms, [`BroadcastOperator`]s, acknowledgements,
//! middlewares and an [`Adapter`](adapter::Adapter) trait with the in-memory default.
//!
//! ```no_run
//! use sio_server::{AckSender, MiddlewareError, Server, ServerConfig, Socket, Value};
//! use std::time::Duration;
//!
//! # async fn run() -> std::io::Result<()> {
//! let io = Server::new(ServerConfig::default()); // path "/socket.io", connectTimeout 45 s, ...
//! io.use_middleware(|socket: Socket| async move {
//!     match socket.handshake().auth().get("token") {
//!         Some(_) => Ok(()),
//!         None => Err(MiddlewareError::new("unauthorized")),
//!     }
//! });
//! io.on_connection(|socket: Socket| async move {
//!     socket.join(["lobby", "news"]);
//!     // typed arguments (a tuple for several), and an ack responder
//!     socket.on("request", |_s: Socket, (a, b): (String, u32), ack: AckSender| async move {
//!         let _ = ack.send(&(a, b + 1));
//!     });
//!     // every argument as is, binary included
//!     socket.on("echo", |s: Socket, args: Vec<Value>| async move {
//!         let _ = s.emit_args("echo", args);
//!     });
//!     let answer: Result<String, _> = socket
//!         .timeout(Duration::from_secs(5))
//!         .emit_with_ack("question", &"ready?")
//!         .await;
//!     let _ = socket.to("lobby").emit("joined", socket.id()).await;
//! });
//! let server = io.listen("127.0.0.1:3000").await?;
//! io.to("news").except("lobby").emit("headline", &("title", 1)).await.ok();
//! io.close().await;
//! server.shutdown().await;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod engine;

mod ack;
pub mod adapter;
mod args;
mod broadcast;
mod client;
mod client_bundle;
mod config;
mod delivery;
mod errors;
mod extensions;
mod handler;
mod handshake;
mod legacy;
mod listeners;
mod metrics;
mod namespace;
mod observe;
mod parent_namespace;
pub mod parser;
mod reason;
mod recovery;
mod registry;
mod remote_socket;
mod server;
mod socket;
mod sync;
mod task;

pub use ack::AckSender;
pub use broadcast::{BroadcastOperator, RoomParam};
pub use config::ServerConfig;
// The engine's types that the Socket.IO API shows; the rest of the engine is under `engine::`.
pub use engine::{CloseReason, EngineConfig, EngineSocket, RequestInfo, Transport};
pub use errors::{
    AckError, AdapterError, EmitError, MiddlewareError, SocketError, RESERVED_EVENTS,
    RESERVED_SERVER_EVENTS,
};
pub use extensions::{Extensions, State};
pub use handler::{
    AckOnly, AnyHandler, ConnectMiddleware, ConnectionHandler, EventHandler, IncomingEvent, NoArgs,
    WithAck, WithoutAck,
};
pub use handshake::Handshake;
pub use namespace::Namespace;
pub use observe::{EngineActivity, RoomChange};
pub use parent_namespace::ParentNamespace;
pub use reason::DisconnectReason;
pub use recovery::ConnectionStateRecovery;
pub use remote_socket::RemoteSocket;
pub use server::{Server, SocketIoHandler, SocketIoLayer, SocketIoService};
pub use sio_protocol::value::{from_value, to_value};
pub use sio_protocol::{value, Value};
pub use socket::{ListenerId, Socket, SocketEmitter};
