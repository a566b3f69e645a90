//! [`TransportError`]: what failed on the network, with the error that caused it.

use std::sync::Arc;

/// A transport failure: what failed (`GET http://...`, `websocket connect`) and, when there is one, the
/// error that caused it (an `std::io::Error`, a TLS or HTTP error...), reachable through
/// [`std::error::Error::source`]. Its message names the whole chain, e.g. `GET http://...: client error
/// (Connect): tcp connect error: Connection refused (os error 111)`.
///
/// ```no_run
/// # async fn run() {
/// use sio_client::Error;
/// use std::io::ErrorKind;
///
/// let socket = sio_client::io("http://127.0.0.1:3000", Default::default()).unwrap();
/// match socket.connect().await {
///     Err(Error::Transport(e)) if e.io_error_kind() == Some(ErrorKind::ConnectionRefused) => {
///         eprintln!("no server there yet")
///     }
///     Err(e) => eprintln!("{e}"),
///     Ok(()) => {}
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TransportError {
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// A failure without an underlying error.
    pub(crate) fn new(message: impl Into<String>) -> TransportError {
        TransportError {
            message: message.into(),
            source: None,
        }
    }

    /// A failure caused by `source`.
    pub(crate) fn caused(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> TransportError {
        TransportError {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// What failed, without its causes.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The kind of the first `std::io::Error` among the causes (`ConnectionRefused`, `TimedOut`...).
    pub fn io_error_kind(&self) -> Option<std::io::ErrorKind> {
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                return Some(io.kind());
            }
            cause = e.source();
        }
        None
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            let causes = crate::error::with_causes(source.as_ref());
            if !self.message.contains(&causes) {
                write!(f, ": {causes}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Equal when they read the same (the causes are not comparable).
impl PartialEq for TransportError {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl From<String> for TransportError {
    fn from(message: String) -> TransportError {
        TransportError::new(message)
    }
}

impl From<&str> for TransportError {
    fn from(message: &str) -> TransportError {
        TransportError::new(message)
    }
}
