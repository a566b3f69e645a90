//! Sends messages in the order they were handed over: each is queued when the operation is called (not
//! when its future is first polled), and one task sends the queue on one connection, pipelined, so that
//! two broadcasts emitted one after the other are notified, and thus received by every node, in that
//! order. (The official adapter sends each message on whichever pooled connection is free, so
//! back-to-back messages may overtake one another.)
//!
//! The same connection creates the attachments table when it opens and deletes old attachments every
//! cleanup interval.

use crate::attachments::{Outgoing, Sql, HEADER_END};
use crate::connect::Connector;
use crate::error::PostgresError;
use crate::options::ErrorHandler;
use futures_util::future::join_all;
use sio_server::AdapterError;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Statement};

/// Messages pipelined at once at most.
const BATCH: usize = 256;

enum Job {
    Send {
        outgoing: Outgoing,
        done: oneshot::Sender<Result<(), String>>,
    },
    Cleanup,
}

/// The ordered outgoing queue (cheap to clone); its task ends when every clone is dropped.
#[derive(Clone)]
pub(crate) struct Publisher {
    tx: mpsc::UnboundedSender<Job>,
}

impl Publisher {
    /// Starts the sending task and the cleanup timer (on the current tokio runtime).
    pub fn start(
        connector: Connector,
        sql: Arc<Sql>,
        errors: ErrorHandler,
        cleanup_interval: Duration,
    ) -> Publisher {
        let (tx, rx) = mpsc::unbounded_channel();
        let weak = tx.downgrade();
        tokio::spawn(run(connector, sql, errors, rx));
        tokio::spawn(async move {
            let start = tokio::time::Instant::now() + cleanup_interval;
            let mut timer = tokio::time::interval_at(start, cleanup_interval);
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                timer.tick().await;
                match weak.upgrade() {
                    Some(tx) if tx.send(Job::Cleanup).is_ok() => {}
                    _ => return,
                }
            }
        });
        Publisher { tx }
    }

    /// Queues a message now; the future tells whether PostgreSQL took it.
    pub fn send(
        &self,
        outgoing: Outgoing,
    ) -> impl Future<Output = Result<(), AdapterError>> + Send + 'static {
        let (done, rx) = oneshot::channel();
        let queued = self.tx.send(Job::Send { outgoing, done });
        async move {
            if queued.is_err() {
                return Err(PostgresError::Closed.into());
            }
            match rx.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(AdapterError::Backend(e)),
                Err(_) => Err(PostgresError::Closed.into()),
            }
        }
    }
}

/// The publishing connection and its prepared statements.
struct Prepared {
    client: Arc<Client>,
    notify: Statement,
    attach: Statement,
    sql: Arc<Sql>,
}

impl Prepared {
    async fn open(
        connector: &Connector,
        sql: Arc<Sql>,
        errors: &ErrorHandler,
    ) -> Result<Self, PostgresError> {
        let conn = connector.connect().await?;
        let client = conn.client;
        if let Err(error) = create_table(&client, &sql).await {
            // Maybe only the right to create is missing: preparing tells whether the table is there.
            errors.handle(&error);
        }
        let (notify, attach) = tokio::try_join!(
            client.prepare(sql.notify),
            client.prepare(&sql.insert_and_notify)
        )?;
        Ok(Prepared {
            client,
            notify,
            attach,
            sql,
        })
    }

    async fn run(&self, job: &Job) -> Result<(), PostgresError> {
        match job {
            Job::Send {
                outgoing: Outgoing::Notify { channel, json },
                ..
            } => {
                self.client.execute(&self.notify, &[channel, json]).await?;
            }
            Job::Send {
                outgoing:
                    Outgoing::Attachment {
                        channel,
                        payload,
                        header_start,
                    },
                ..
            } => {
                let end = HEADER_END;
                self.client
                    .execute(&self.attach, &[payload, channel, header_start, &end])
                    .await?;
            }
            Job::Cleanup => {
                tracing::debug!("removing old attachments");
                self.client.execute(self.sql.cleanup.as_str(), &[]).await?;
            }
        }
        Ok(())
    }
}

/// Creates the attachments table if it is missing. Two nodes creating it at the same moment may see a
/// unique or duplicate error for the loser: the table is there all the same.
async fn create_table(client: &Client, sql: &Sql) -> Result<(), PostgresError> {
    match client.batch_execute(&sql.create).await {
        Ok(()) => Ok(()),
        Err(e)
            if e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                || e.code() == Some(&SqlState::DUPLICATE_TABLE) =>
        {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

async fn run(
    connector: Connector,
    sql: Arc<Sql>,
    errors: ErrorHandler,
    mut rx: mpsc::UnboundedReceiver<Job>,
) {
    let mut conn: Option<Prepared> = None;
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        if conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            errors.handle(&PostgresError::ConnectionLost("sending"));
            conn = None;
        }
        if conn.is_none() {
            match Prepared::open(&connector, sql.clone(), &errors).await {
                Ok(opened) => conn = Some(opened),
                Err(error) => {
                    errors.handle(&error);
                    finish(&mut batch, |_| Err(error.to_string()));
                    continue;
                }
            }
        }
        let Some(c) = conn.as_ref() else { continue };
        // Pipelined: the requests go out in the order join_all first polls them, the batch's order.
        let mut results = join_all(batch.iter().map(|job| c.run(job)))
            .await
            .into_iter();
        finish(&mut batch, |_| match results.next() {
            Some(Ok(())) => Ok(()),
            Some(Err(error)) => {
                errors.handle(&error);
                Err(error.to_string())
            }
            None => Err(PostgresError::Closed.to_string()),
        });
    }
}

/// Empties the batch, telling each waiting caller its outcome.
fn finish(batch: &mut Vec<Job>, mut outcome: impl FnMut(&Job) -> Result<(), String>) {
    for job in batch.drain(..) {
        let result = outcome(&job);
        if let Job::Send { done, .. } = job {
            let _ = done.send(result);
        }
    }
}
