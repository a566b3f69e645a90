//! Error types of the client: connection errors, ack errors and the server's connect refusals.

pub use crate::transport_error::TransportError;
use sio_protocol::Value;
use std::time::Duration;

/// Why a connection, an emit or an engine operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL could not be parsed or has an unsupported scheme.
    #[error("invalid url: {0}")]
    InvalidUrl(String),
    /// An HTTP, WebSocket or WebTransport request failed (network error, refused connection, bad
    /// certificate, bad status), with its cause.
    #[error("transport error: {0}")]
    Transport(TransportError),
    /// The server's Engine.IO handshake was missing or malformed.
    #[error("invalid handshake: {0}")]
    Handshake(String),
    /// The connection was not established within the `timeout` option.
    #[error("timeout")]
    Timeout,
    /// The connection was closed before the operation completed.
    #[error("connection closed")]
    Closed,
    /// The server refused to let this client join the namespace (CONNECT_ERROR).
    #[error("connect error: {0}")]
    Connect(ConnectError),
    /// A value could not be converted to or from the wire value model.
    #[error("serialization error: {0}")]
    Serde(String),
    /// The packet could not be encoded by the configured parser.
    #[error("encode error: {0}")]
    Encode(String),
    /// The TLS configuration is unusable.
    #[error("tls error: {0}")]
    Tls(String),
    /// Too much is waiting to be sent (see [`crate::Bounds::outgoing_bytes`] and
    /// [`crate::Bounds::buffered_emits`]): the transport is slower than the emits, or the connection is
    /// stalled. Nothing was queued; emit again later.
    #[error("send buffer full")]
    SendBufferFull,
    /// No tokio runtime is running on this thread (use [`crate::blocking`] instead).
    #[error("no tokio runtime: {0}")]
    NoRuntime(String),
}

/// The server's refusal of a namespace CONNECT: `{ message, data }` as sent by a middleware's `next(err)`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectError {
    /// `err.message` on the server.
    pub message: String,
    /// `err.data` on the server, when set.
    pub data: Option<Value>,
}

/// Why an acknowledgement did not arrive.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// No answer within the delay given to `timeout(d)` (or the `ack_timeout` option).
    #[error("operation has timed out after {timeout:?}")]
    Timeout {
        /// The delay that passed.
        timeout: Duration,
    },
    /// The socket was disconnected before the answer arrived.
    #[error("socket has been disconnected")]
    Disconnected,
    /// The answer arrived but does not have the expected type.
    #[error("cannot deserialize the ack: {0}")]
    Deserialize(String),
    /// The event could not be sent.
    #[error(transparent)]
    Send(#[from] Error),
}

/// `e` followed by its sources, for the messages of transport errors: hyper's own message ("client error
/// (Connect)") names the cause ("Connection refused", "invalid peer certificate: UnknownIssuer") only there.
pub(crate) fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}
