//! Sans-IO Engine.IO v4 and Socket.IO v5: packets, polling payloads, parsers and the payload value model.
//!
//! Nothing here blocks, spawns or reads a clock: the server and client crates drive these types over their
//! own transports, and tests drive them directly.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod engine;
pub mod parser;
pub mod socket;
mod str;
pub mod value;
pub mod websocket;

pub use str::Str;
pub use value::Value;
