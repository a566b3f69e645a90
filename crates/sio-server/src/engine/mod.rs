//! The Engine.IO v4 server: sessions over HTTP long-polling and WebSocket, upgrade, heartbeat, limits,
//! CORS, cookie and compression, mounted as a tower service/layer or served on its own.
//!
//! ```no_run
//! use sio_server::engine::{CloseReason, Engine, EngineConfig, EngineHandler, EngineSocket};
//! use sio_protocol::engine::Packet;
//!
//! struct Echo;
//! impl EngineHandler for Echo {
//!     fn on_open(&self, _socket: &EngineSocket) {}
//!     fn on_message(&self, socket: &EngineSocket, message: Packet) {
//!         let _ = socket.send(&[message.encode()]);
//!     }
//!     fn on_close(&self, _socket: &EngineSocket, _reason: CloseReason) {}
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let engine = Engine::new(EngineConfig::default(), Echo);
//! let server = engine.listen("127.0.0.1:3000").await?;
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod body;
mod compress;
mod config;
mod cookie;
mod cors;
#[allow(clippy::module_inception)]
mod engine;
mod errors;
mod handler;
mod heartbeat;
mod layer;
mod listen;
mod polling;
mod query;
mod reason;
mod request;
mod service;
mod session;
mod sid;
mod socket;
mod transport;
mod upgrade;
mod websocket;

pub use body::EngineBody;
pub use compress::HttpCompression;
pub use config::{AllowRequest, AllowRequestResult, EngineConfig};
pub use cookie::{CookieConfig, SameSite};
pub use cors::{CorsConfig, CorsOrigin};
pub use engine::Engine;
pub use errors::EngineError;
pub use handler::EngineHandler;
pub use layer::{EngineLayer, EngineMiddleware};
pub use listen::EngineServer;
pub use reason::CloseReason;
pub use request::{RemoteAddr, RequestInfo};
pub use service::EngineService;
pub use socket::{EngineSocket, SendError};
pub use transport::Transport;
