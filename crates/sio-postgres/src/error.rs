//! What can go wrong between the adapter and PostgreSQL.

use sio_cluster::CodecError;
use sio_server::AdapterError;

/// An error of the PostgreSQL adapter.
#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    /// The connection settings or the options are not usable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// PostgreSQL (or the connection to it) failed.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// Connecting took too long.
    #[error("connecting to postgres timed out")]
    ConnectTimeout,
    /// A message could not be encoded, or a received one could not be read.
    #[error("cluster message: {0}")]
    Codec(#[from] CodecError),
    /// A notification named an attachment that is not (or no longer) in the table.
    #[error("attachment {0} not found")]
    MissingAttachment(i64),
    /// A notification is not a cluster message.
    #[error("invalid notification: {0}")]
    InvalidNotification(String),
    /// A connection to PostgreSQL ended; it is opened again.
    #[error("the postgres {0} connection was lost; reconnecting")]
    ConnectionLost(&'static str),
    /// The adapter's connections are shut down.
    #[error("the postgres adapter is closed")]
    Closed,
}

impl From<PostgresError> for AdapterError {
    fn from(error: PostgresError) -> Self {
        AdapterError::Backend(error.to_string())
    }
}
