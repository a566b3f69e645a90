//! The Engine.IO v4 server: sessions over HTTP long-polling, WebSocket and (with the `webtransport`
//! feature, see `Engine::listen_webtransport`) WebTransport, upgrade, heartbeat, limits, CORS,
//! cookie and compression, mounted as a tower service/layer or served on its own. Revision 3
//! (Socket.IO 2.x clients) is served too with [`EngineConfig::allow_eio3`].
//!
//! Each session is one task. It owns the websocket, the heartbeat deadlines and the upgrade probe,
//! and selects over them and its outgoing queue. [`EngineSocket::send`] pushes onto that bounded queue
//! under a short lock and wakes the task, which writes everything queued as one batch (one websocket
//! flush). Over long-polling the requests do the common work on their own tasks: a GET takes
//! everything queued as one answer, or waits until a send wakes it, and a POST of messages hands them
//! to the handler itself; the session task steps in only for the heartbeat, the upgrade, engine
//! packets and the end. No lock is held across an await. A queue that would pass
//! [`EngineConfig::max_buffered_frames`] refuses the frames with [`SendError::Full`] and closes the
//! session with "transport error".
//!
//! Behaviour follows engine.io 6: error answers, close reasons, the `2probe`/`3probe`/`6`/`5` upgrade,
//! a noop for a poll waiting during an upgrade, 413 for a POST over `maxHttpBufferSize` (the session
//! stays open), a close of the session for a message over the limit on websocket, a second concurrent GET
//! or POST, an aborted GET, a bad payload ("parse error") or a `1` from the client ("transport close").
//! `perMessageDeflate` (off by default) negotiates RFC 7692 on websockets as `ws` does (see
//! [`EngineConfig::per_message_deflate`]).
//!
//! ```no_run
//! use sio_server::engine::{CloseReason, Engine, EngineConfig, EngineHandler, EngineSocket};
//! use sio_protocol::engine::Packet;
//!
//! struct Echo;
//! impl EngineHandler for Echo {
//!     type Session = ();
//!     fn on_open(&self, _socket: &EngineSocket) {}
//!     fn on_message(&self, socket: &EngineSocket, _: &mut (), message: Packet) {
//!         let _ = socket.send(&[message.encode()]);
//!     }
//!     fn on_close(&self, _socket: &EngineSocket, _: (), _reason: CloseReason) {}
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let engine = Engine::new(EngineConfig::default(), Echo);
//! let server = engine.listen("127.0.0.1:3000").await?;
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod accept;
mod body;
mod compress;
mod config;
mod conn_io;
mod cookie;
mod cors;
pub(crate) mod data_request;
mod duplex;
#[allow(clippy::module_inception)]
mod engine;
mod errors;
mod handler;
mod handshake;
mod head_timer;
mod hooks;
mod layer;
mod listen;
mod lossy_utf8;
mod poll_request;
mod polling;
mod protocol;
pub(crate) mod query;
mod reason;
mod request;
mod route;
mod service;
mod session;
pub(crate) mod sid;
mod slot;
mod socket;
mod transport;
mod uncompressed;
mod websocket;
#[cfg(feature = "webtransport")]
mod webtransport;
mod ws_deflate;

pub use body::EngineBody;
pub use compress::HttpCompression;
pub use config::{AllowRequest, AllowRequestResult, EngineConfig};
pub use cookie::{CookieConfig, SameSite};
pub use cors::{CorsConfig, CorsOrigin};
pub use engine::Engine;
pub use errors::EngineError;
pub use handler::EngineHandler;
pub use hooks::HeadersHook;
pub use layer::{EngineLayer, EngineMiddleware};
pub use listen::EngineServer;
pub use reason::CloseReason;
pub use request::{RemoteAddr, RequestInfo};
pub use service::EngineService;
pub use sio_protocol::websocket::PerMessageDeflate;
pub use socket::{EngineSocket, SendError};
pub use transport::Transport;
#[cfg(feature = "webtransport")]
pub use webtransport::{certificate_hash, Identity, WebTransportServer};
