//! Socket.IO v5 client over Engine.IO v4, async on tokio, wire-compatible with the official JavaScript client.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let socket = sio_client::io("http://localhost:3000", Default::default())?;
//! socket.on("chat message", |event| println!("{:?}", event.args));
//! socket.connect().await?;
//! socket.emit("chat message", "hello")?;
//! # Ok(()) }
//! ```
//!
//! # Bounds
//!
//! Whatever the server sends, the client keeps a bounded amount of it: [`Bounds`] (in
//! [`Options::bounds`]) lists every queue, its limit and what happens when it is full. In short: a
//! message too big ends the connection with `transport error`, a packet that does not decode with
//! `parse error`, a server flooding events faster than the handlers run is slowed down (the client stops
//! reading), and `emit` fails with [`Error::SendBufferFull`] when too much waits to be sent.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ack;
pub mod backoff;
pub mod blocking;
mod bounds;
mod buffer;
mod dispatch;
pub mod engine;
pub mod error;
mod events;
mod handler_queue;
mod incoming;
mod inflow;
mod io;
mod mailbox;
mod manager;
pub mod options;
pub mod reason;
mod retry;
mod setters;
mod socket;
#[cfg(feature = "tls")]
pub mod tls;
mod transport_error;
mod url;

pub use ack::AckSender;
pub use bounds::Bounds;
pub use engine::{Engine, EngineEvent};
pub use error::{AckError, ConnectError, Error, HandshakeError, TransportError, UrlError};
pub use events::ListenerId;
pub use incoming::Event;
pub use io::io;
pub use manager::{Manager, ManagerEvent};
pub use options::{Auth, Options, ParserKind, TransportKind};
pub use reason::DisconnectReason;
pub use sio_protocol::value;
pub use sio_protocol::value::{from_value, to_value};
pub use sio_protocol::Value;
pub use socket::{AckFuture, Socket, SocketEmitter};
#[cfg(feature = "tls")]
pub use tls::TlsOptions;

/// The Socket.IO protocol revision (`io.protocol`).
pub const PROTOCOL: u8 = sio_protocol::socket::PROTOCOL;
