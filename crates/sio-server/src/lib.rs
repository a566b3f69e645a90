//! sio-server: a Socket.IO v5 / Engine.IO v4 server for tokio, hyper and tower.
//!
//! The [`engine`] module is the Engine.IO server; everything else is the Socket.IO layer on top of it:
//! a [`Server`] with [`Namespace`]s, [`Socket`]s, rooms, [`BroadcastOperator`]s, acknowledgements,
//! middlewares and an [`Adapter`](adapter::Adapter) trait with the in-memory default.

pub mod engine;

mod ack;
pub mod adapter;
mod broadcast;
mod client;
mod config;
mod errors;
mod handler;
mod handshake;
mod namespace;
mod parent_namespace;
pub mod parser;
mod reason;
mod remote_socket;
mod server;
mod sid;
mod socket;

pub use ack::AckSender;
pub use broadcast::{BroadcastOperator, RoomParam};
pub use config::ServerConfig;
pub use engine::{
    CloseReason, Engine, EngineConfig, EngineHandler, EngineLayer, EngineService, EngineSocket,
    RequestInfo, SendError, Transport,
};
pub use errors::{
    AckError, AdapterError, EmitError, MiddlewareError, SocketError, RESERVED_EVENTS,
    RESERVED_SERVER_EVENTS,
};
pub use handler::{EventHandler, IncomingEvent, WithAck, WithoutAck};
pub use handshake::Handshake;
pub use namespace::Namespace;
pub use parent_namespace::ParentNamespace;
pub use reason::DisconnectReason;
pub use remote_socket::RemoteSocket;
pub use server::{Server, SocketIoHandler};
pub use sio_protocol::Value;
pub use socket::{ListenerId, Socket, SocketEmitter};
