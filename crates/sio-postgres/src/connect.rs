//! Opening a connection: the client, and a task that drives the connection and hands over the
//! notifications it receives. The TLS type is erased here, so the rest of the crate sees one connector.

use crate::error::PostgresError;
use futures_util::future::BoxFuture;
use futures_util::StreamExt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{AsyncMessage, Client, Config, Notification, Socket};

/// How long opening one connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the adapter connects: a `tokio_postgres::Config`, or a connection string
/// (`postgres://user@host:5432/db` or `host=... user=...`).
pub trait IntoConfig {
    /// The configuration, or why the string is not one.
    fn into_config(self) -> Result<Config, PostgresError>;
}

impl IntoConfig for Config {
    fn into_config(self) -> Result<Config, PostgresError> {
        Ok(self)
    }
}

impl IntoConfig for &Config {
    fn into_config(self) -> Result<Config, PostgresError> {
        Ok(self.clone())
    }
}

impl IntoConfig for &str {
    fn into_config(self) -> Result<Config, PostgresError> {
        Config::from_str(self).map_err(|e| PostgresError::Config(e.to_string()))
    }
}

impl IntoConfig for String {
    fn into_config(self) -> Result<Config, PostgresError> {
        self.as_str().into_config()
    }
}

impl IntoConfig for &String {
    fn into_config(self) -> Result<Config, PostgresError> {
        self.as_str().into_config()
    }
}

/// An open connection: the client and the notifications received on it. `notifications` ends when the
/// connection does.
pub(crate) struct Connection {
    pub client: Arc<Client>,
    pub notifications: mpsc::UnboundedReceiver<Notification>,
}

type ConnectFn = dyn Fn() -> BoxFuture<'static, Result<Connection, PostgresError>> + Send + Sync;

/// Opens connections with one configuration and TLS setting (cheap to clone).
#[derive(Clone)]
pub(crate) struct Connector(Arc<ConnectFn>);

impl Connector {
    /// A connector for `config` over `tls` (`tokio_postgres::NoTls` for none).
    pub fn new<T>(config: Config, tls: T) -> Self
    where
        T: MakeTlsConnect<Socket> + Clone + Send + Sync + 'static,
        T::Stream: Send + 'static,
        T::TlsConnect: Send,
        <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
    {
        Connector(Arc::new(move || {
            let config = config.clone();
            let tls = tls.clone();
            Box::pin(async move {
                let (client, mut connection) =
                    tokio::time::timeout(CONNECT_TIMEOUT, config.connect(tls))
                        .await
                        .map_err(|_| PostgresError::ConnectTimeout)??;
                let (tx, notifications) = mpsc::unbounded_channel();
                tokio::spawn(async move {
                    let mut messages =
                        futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                    while let Some(message) = messages.next().await {
                        match message {
                            Ok(AsyncMessage::Notification(n)) => {
                                let _ = tx.send(n);
                            }
                            Ok(AsyncMessage::Notice(notice)) => {
                                tracing::debug!(%notice, "postgres notice");
                            }
                            Ok(_) => {}
                            Err(error) => {
                                tracing::debug!(%error, "postgres connection ended");
                                break;
                            }
                        }
                    }
                });
                Ok(Connection {
                    client: Arc::new(client),
                    notifications,
                })
            })
        }))
    }

    /// Opens a connection.
    pub async fn connect(&self) -> Result<Connection, PostgresError> {
        (self.0)().await
    }
}

/// How long to wait before connecting again: 2 s ± 50 %, as the official adapter does.
pub(crate) fn reconnection_delay() -> Duration {
    Duration::from_millis(1000 + rand::random::<u64>() % 2000)
}
