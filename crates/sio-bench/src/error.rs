//! The errors a benchmark run can hit, as one typed enum.

use std::io;

/// Why a connection, a server or a workload failed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A socket or process operation failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The peer closed the connection.
    #[error("connection closed by the server")]
    Closed,
    /// The server answered something the protocol does not allow at this point.
    #[error("protocol: {0}")]
    Protocol(String),
    /// An HTTP exchange (polling transport) failed.
    #[error("http: {0}")]
    Http(String),
    /// A server under test could not be built, started or reached.
    #[error("server: {0}")]
    Server(String),
    /// Nothing happened within the allotted time.
    #[error("timed out: {0}")]
    Timeout(String),
}

impl From<hyper::Error> for BenchError {
    fn from(e: hyper::Error) -> Self {
        BenchError::Http(e.to_string())
    }
}
