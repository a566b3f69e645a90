//! The error types of the Socket.IO layer.

use sio_protocol::Value;
use std::time::Duration;

/// Event names that cannot be emitted (they mean something to the library itself): the protocol's own list.
pub use sio_protocol::parser::RESERVED_EVENTS;

/// Event names that cannot be used with `server_side_emit`.
pub const RESERVED_SERVER_EVENTS: &[&str] = &["connect", "connection", "new_namespace"];

/// Why an emit failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The event name is reserved (`connect`, `disconnect`, ...).
    #[error("\"{0}\" is a reserved event name")]
    Reserved(String),
    /// The arguments could not be turned into values.
    #[error("cannot serialize the arguments: {0}")]
    Serialize(#[from] sio_protocol::value::Error),
    /// The parser could not encode the packet.
    #[error("cannot encode the packet: {0}")]
    Encode(#[from] sio_protocol::parser::EncodeError),
    /// The socket is not connected any more.
    #[error("the socket is disconnected")]
    Disconnected,
    /// The connection's outgoing queue is full (see the engine's queue bound).
    #[error("the outgoing queue is full")]
    QueueFull,
    /// The adapter failed to broadcast.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
}

/// Why waiting for an acknowledgement failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// The emit itself failed.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// No (or not every) answer came within the timeout. `responses` holds the answers received so far
    /// (for broadcasts; empty for a single socket).
    #[error("operation has timed out after {timeout:?}")]
    Timeout {
        /// The timeout that expired.
        timeout: Duration,
        /// The answers received before it expired.
        responses: Vec<Value>,
    },
    /// The socket disconnected before answering.
    #[error("the socket disconnected before acknowledging")]
    Disconnected,
    /// The answer does not deserialize into the requested type.
    #[error("cannot deserialize the acknowledgement: {0}")]
    Deserialize(sio_protocol::value::Error),
    /// The adapter failed.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
}

/// An error of the adapter (the layer that knows rooms and, in a cluster, the other servers).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// The operation is not available on this target (e.g. `fetch_sockets` on a parent namespace).
    #[error("{0} is not supported here")]
    Unsupported(&'static str),
    /// The adapter's backend failed (network, serialization...).
    #[error("adapter error: {0}")]
    Backend(String),
}

/// An error delivered to a socket's error handlers (`socket.on_error`): something about an incoming event that
/// the application should know.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SocketError {
    /// The arguments of an event do not deserialize into the handler's types.
    #[error("invalid arguments for event \"{event}\": {message}")]
    InvalidArgs {
        /// The event name.
        event: String,
        /// What did not fit.
        message: String,
    },
    /// A per-packet middleware (`socket.use_middleware`) rejected the event.
    #[error("event \"{event}\" rejected by a middleware: {error}")]
    Rejected {
        /// The event name.
        event: String,
        /// The middleware's error.
        error: MiddlewareError,
    },
    /// A handler of the event takes a [`State`](crate::State) of a type the server was not given with
    /// [`Server::with_state`](crate::Server::with_state); it was not called.
    #[error("a handler of event \"{event}\" takes a state the server does not have: {state}")]
    MissingState {
        /// The event name.
        event: String,
        /// The state's type.
        state: &'static str,
    },
}

/// An error returned by a middleware. For a connect middleware it becomes the client's
/// `CONNECT_ERROR {"message": message, "data": data}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct MiddlewareError {
    /// The message (`err.message` on the client).
    pub message: String,
    /// Extra data (`err.data` on the client); omitted when `None`.
    pub data: Option<Value>,
}

impl MiddlewareError {
    /// An error with a message and no data.
    pub fn new(message: impl Into<String>) -> Self {
        MiddlewareError {
            message: message.into(),
            data: None,
        }
    }

    /// Adds data sent to the client along with the message.
    pub fn with_data(mut self, data: impl Into<Value>) -> Self {
        self.data = Some(data.into());
        self
    }

    /// The CONNECT_ERROR payload: `{"message": ..., "data": ...}`.
    pub fn to_value(&self) -> Value {
        let mut map = sio_protocol::value::Map::new();
        map.insert("message".into(), Value::String(self.message.clone()));
        if let Some(data) = &self.data {
            map.insert("data".into(), data.clone());
        }
        Value::Object(map)
    }
}

/// Whether an event name is reserved for the library.
pub(crate) fn check_reserved(event: &str) -> Result<(), EmitError> {
    if RESERVED_EVENTS.contains(&event) {
        Err(EmitError::Reserved(event.to_owned()))
    } else {
        Ok(())
    }
}
