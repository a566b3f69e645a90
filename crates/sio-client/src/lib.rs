//! Socket.IO v5 client over Engine.IO v4, async on tokio, wire-compatible with the official JavaScript client.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backoff;
pub mod engine;
pub mod error;
mod events;
pub mod options;
pub mod reason;
pub mod tls;
mod url;

pub use engine::{Engine, EngineEvent};
pub use error::{AckError, ConnectError, Error};
pub use events::ListenerId;
pub use options::{Auth, Options, ParserKind, TransportKind};
pub use reason::DisconnectReason;
pub use tls::TlsOptions;
