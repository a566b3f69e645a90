//! Error types of the client: connection errors, ack errors and the server's connect refusals.

pub use crate::transport_error::TransportError;
use sio_protocol::parser::EncodeError;
use sio_protocol::Value;
use std::sync::Arc;
use std::time::Duration;

/// Why a connection, an emit or an engine operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL could not be parsed or has an unsupported scheme.
    #[error("invalid url: {0}")]
    InvalidUrl(#[source] UrlError),
    /// An HTTP, WebSocket or WebTransport request failed (network error, refused connection, bad
    /// certificate, bad status), with its cause.
    #[error("transport error: {0}")]
    Transport(TransportError),
    /// The server's Engine.IO (or websocket) handshake was missing or malformed.
    #[error("invalid handshake: {0}")]
    Handshake(#[source] HandshakeError),
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
    Serde(#[from] sio_protocol::value::Error),
    /// The packet could not be encoded by the configured parser.
    #[error("encode error: {0}")]
    Encode(#[from] EncodeError),
    /// The event name is one the protocol keeps for itself (`connect`, `disconnect`...).
    #[error("\"{0}\" is a reserved event name")]
    ReservedEvent(String),
    /// The TLS configuration is unusable, or the server's name is not one TLS can verify.
    #[error("tls error: {0}")]
    Tls(#[source] Cause),
    /// Too much is waiting to be sent (see [`crate::Bounds::outgoing_bytes`] and
    /// [`crate::Bounds::buffered_emits`]): the transport is slower than the emits, or the connection is
    /// stalled. Nothing was queued; emit again later.
    #[error("send buffer full")]
    SendBufferFull,
    /// No tokio runtime is running on this thread (use [`crate::blocking`] instead), or the blocking
    /// facade could not start its own.
    #[error("no tokio runtime: {0}")]
    NoRuntime(#[source] Cause),
}

/// Why a URL cannot be connected to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// It is not a URL.
    #[error(transparent)]
    Parse(#[from] url::ParseError),
    /// Its scheme is none of `http`, `https`, `ws`, `wss`.
    #[error("unsupported scheme {0}")]
    UnsupportedScheme(String),
    /// Its scheme (`https`, `wss`) needs TLS, and sio-client was built without its `tls` feature.
    #[error("{0}:// needs sio-client's `tls` feature")]
    TlsNotBuilt(String),
    /// It names no host.
    #[error("missing host")]
    MissingHost,
}

/// What was wrong with the server's handshake.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The polling answer is not an Engine.IO payload.
    #[error("bad payload: {0}")]
    Payload(#[from] sio_protocol::engine::DecodeError),
    /// The first packet is not `open`.
    #[error("expected an open packet")]
    NoOpenPacket,
    /// The `open` packet's JSON is not a handshake.
    #[error("bad open packet: {0}")]
    OpenPacket(#[source] Cause),
    /// The websocket answer's head is over the size this client reads.
    #[error("websocket answer head too long")]
    HeadTooLong,
    /// The connection closed before the websocket answer's head ended.
    #[error("connection closed during the websocket handshake")]
    Closed,
    /// The websocket answer's head is not HTTP.
    #[error("bad websocket answer: {0}")]
    BadAnswer(#[source] Cause),
    /// The websocket answer's status is not 101.
    #[error("websocket answer {0} instead of 101")]
    Status(u16),
    /// `Sec-WebSocket-Accept` does not match the key sent.
    #[error("bad Sec-WebSocket-Accept")]
    BadAccept,
    /// `Sec-WebSocket-Extensions` names what was not offered.
    #[error("unacceptable Sec-WebSocket-Extensions")]
    BadExtensions,
}

/// An error from another library, kept as the cause (through [`std::error::Error::source`]) and
/// shared, so that the errors holding it stay `Clone`. Equal when they read the same.
#[derive(Debug, Clone)]
pub struct Cause(Arc<dyn std::error::Error + Send + Sync>);

impl Cause {
    pub(crate) fn new(error: impl std::error::Error + Send + Sync + 'static) -> Cause {
        Cause(Arc::new(error))
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&with_causes(self.0.as_ref()))
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.0.as_ref())
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
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
    Deserialize(#[source] sio_protocol::value::Error),
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
