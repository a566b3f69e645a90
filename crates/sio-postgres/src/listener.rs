//! The listening connection: one dedicated connection that `LISTEN`s on the channel of every namespace,
//! reads the attachments the notifications point to, and hands the messages to the namespaces' adapters
//! in the order the notifications arrived (a message whose attachment is still being read holds back
//! the ones after it; the official adapter lets them overtake it). When the connection ends, it is opened
//! again after 1 to 3 s and every channel is listened to again.

use crate::attachments::{self, Incoming, Sql};
use crate::connect::{reconnection_delay, Connection, Connector};
use crate::error::PostgresError;
use crate::options::ErrorHandler;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesOrdered, StreamExt};
use sio_cluster::{ClusterHandle, ClusterMessage};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, OnceCell};
use tokio::time::Instant;
use tokio_postgres::{Client, Notification, Statement};

enum Command {
    Listen {
        channel: String,
        handle: ClusterHandle,
        done: oneshot::Sender<()>,
    },
    Unlisten {
        channel: String,
    },
}

/// The listening connection's command queue (cheap to clone); its task ends when every clone is dropped.
#[derive(Clone)]
pub(crate) struct Listener {
    tx: mpsc::UnboundedSender<Command>,
}

impl Listener {
    /// Starts the listening task (on the current tokio runtime); it connects at once.
    pub fn start(connector: Connector, sql: Arc<Sql>, errors: ErrorHandler) -> Listener {
        let (tx, rx) = mpsc::unbounded_channel();
        let state = State {
            connector,
            sql,
            errors,
            channels: HashMap::new(),
            waiting: Vec::new(),
            conn: None,
            retry_at: None,
            pending: FuturesOrdered::new(),
        };
        tokio::spawn(run(state, rx));
        Listener { tx }
    }

    /// Delivers the notifications of `channel` to `handle` from now on; resolves once the channel is
    /// listened to (possibly after a reconnection).
    pub async fn listen(
        &self,
        channel: String,
        handle: ClusterHandle,
    ) -> Result<(), PostgresError> {
        let (done, rx) = oneshot::channel();
        self.tx
            .send(Command::Listen {
                channel,
                handle,
                done,
            })
            .map_err(|_| PostgresError::Closed)?;
        rx.await.map_err(|_| PostgresError::Closed)
    }

    /// Stops listening to `channel`.
    pub fn unlisten(&self, channel: String) {
        let _ = self.tx.send(Command::Unlisten { channel });
    }
}

/// A channel name as a quoted identifier.
fn quoted(channel: &str) -> String {
    format!("\"{}\"", channel.replace('"', "\"\""))
}

/// The open connection.
struct Live {
    client: Arc<Client>,
    notifications: mpsc::UnboundedReceiver<Notification>,
    /// The attachment query, prepared on first use.
    select: Arc<OnceCell<Statement>>,
}

/// A message on its way to an adapter (read from its attachment, or at once).
type Delivery = BoxFuture<'static, (ClusterHandle, Result<ClusterMessage, PostgresError>)>;

struct State {
    connector: Connector,
    sql: Arc<Sql>,
    errors: ErrorHandler,
    channels: HashMap<String, ClusterHandle>,
    /// `listen` calls to answer once connected.
    waiting: Vec<oneshot::Sender<()>>,
    conn: Option<Live>,
    /// When to connect again, after a failure.
    retry_at: Option<Instant>,
    /// Deliveries, in the order of their notifications.
    pending: FuturesOrdered<Delivery>,
}

impl State {
    fn failed(&mut self, error: PostgresError) {
        self.errors.handle(&error);
        self.conn = None;
        self.retry_at = Some(Instant::now() + reconnection_delay());
    }

    /// Opens the connection and listens to every channel.
    async fn connect(&mut self) {
        let Connection {
            client,
            notifications,
        } = match self.connector.connect().await {
            Ok(conn) => conn,
            Err(error) => return self.failed(error),
        };
        let listen: String = self
            .channels
            .keys()
            .map(|c| format!("LISTEN {};", quoted(c)))
            .collect();
        if !listen.is_empty() {
            if let Err(error) = client.batch_execute(&listen).await {
                return self.failed(error.into());
            }
        }
        tracing::debug!(
            channels = self.channels.len(),
            "listening to postgres notifications"
        );
        self.conn = Some(Live {
            client,
            notifications,
            select: Arc::default(),
        });
        self.retry_at = None;
        for done in self.waiting.drain(..) {
            let _ = done.send(());
        }
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Listen {
                channel,
                handle,
                done,
            } => {
                let sql = format!("LISTEN {}", quoted(&channel));
                self.channels.insert(channel, handle);
                self.waiting.push(done);
                let Some(conn) = &self.conn else { return };
                match conn.client.batch_execute(&sql).await {
                    Ok(()) => {
                        for done in self.waiting.drain(..) {
                            let _ = done.send(());
                        }
                    }
                    Err(error) => self.failed(error.into()),
                }
            }
            Command::Unlisten { channel } => {
                self.channels.remove(&channel);
                if let Some(conn) = &self.conn {
                    let sql = format!("UNLISTEN {}", quoted(&channel));
                    if let Err(error) = conn.client.batch_execute(&sql).await {
                        self.failed(error.into());
                    }
                }
            }
        }
    }

    fn notification(&mut self, notification: Notification) {
        let Some(handle) = self.channels.get(notification.channel()).cloned() else {
            return;
        };
        let delivery: Delivery = match attachments::parse(notification.payload()) {
            Ok(Incoming::Message(msg)) => Box::pin(async move { (handle, Ok(*msg)) }),
            // This node's own message: no need to read it back.
            Ok(Incoming::Attachment { uid, .. }) if uid == handle.uid() => return,
            Ok(Incoming::Attachment { id, .. }) => {
                let Some(conn) = &self.conn else { return };
                let fetch = fetch(
                    conn.client.clone(),
                    conn.select.clone(),
                    self.sql.clone(),
                    id,
                );
                Box::pin(async move { (handle, fetch.await) })
            }
            Err(error) => return self.errors.handle(&error),
        };
        self.pending.push_back(delivery);
    }
}

/// Reads the attachment `id`.
async fn fetch(
    client: Arc<Client>,
    select: Arc<OnceCell<Statement>>,
    sql: Arc<Sql>,
    id: i64,
) -> Result<ClusterMessage, PostgresError> {
    let statement = select
        .get_or_try_init(|| client.prepare(&sql.select))
        .await?;
    let row = client
        .query_opt(statement, &[&id])
        .await?
        .ok_or(PostgresError::MissingAttachment(id))?;
    let payload: &[u8] = row.try_get(0)?;
    attachments::decode_attachment(payload)
}

/// The next notification of the open connection (`None` once it ended); never, without one.
async fn next_notification(conn: &mut Option<Live>) -> Option<Notification> {
    match conn {
        Some(live) => live.notifications.recv().await,
        None => std::future::pending().await,
    }
}

async fn run(mut state: State, mut commands: mpsc::UnboundedReceiver<Command>) {
    loop {
        if state.conn.is_none() && state.retry_at.is_none_or(|at| at <= Instant::now()) {
            state.connect().await;
        }
        let retry_at = state.retry_at;
        tokio::select! {
            command = commands.recv() => match command {
                Some(command) => state.command(command).await,
                None => return,
            },
            notification = next_notification(&mut state.conn) => match notification {
                Some(notification) => state.notification(notification),
                None => state.failed(PostgresError::ConnectionLost("listening")),
            },
            Some((handle, message)) = state.pending.next(), if !state.pending.is_empty() => {
                match message {
                    Ok(message) => handle.on_message(message, None),
                    Err(error) => state.errors.handle(&error),
                }
            },
            () = sleep_until(retry_at), if state.conn.is_none() => {}
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
