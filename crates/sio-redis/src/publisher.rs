//! Publishes messages in the order they were handed over: each is queued when the operation is called (not
//! when its future is first polled), and one task sends whatever is queued as one pipeline, so that two
//! broadcasts emitted one after the other reach the other servers in that order, at the cost of one round
//! trip per batch rather than per message.

use crate::connection::RedisConnection;
use sio_server::AdapterError;
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

/// How a message goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    /// `PUBLISH`.
    Publish,
    /// `SPUBLISH` (sharded pub/sub).
    SPublish,
}

struct Outgoing {
    verb: Verb,
    channel: String,
    payload: Vec<u8>,
    done: Option<oneshot::Sender<Result<(), String>>>,
}

/// The ordered outgoing queue of one connection (cheap to clone).
#[derive(Clone)]
pub(crate) struct Publisher {
    tx: mpsc::UnboundedSender<Outgoing>,
}

/// Messages sent in one pipeline at most.
const BATCH: usize = 256;

impl Publisher {
    /// A publisher on `conn`; its task ends when every clone is dropped.
    pub(crate) fn new(conn: RedisConnection) -> Publisher {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(conn, rx));
        Publisher { tx }
    }

    /// Queues a message now; the future tells whether Redis took it.
    pub(crate) fn send(
        &self,
        verb: Verb,
        channel: String,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<(), AdapterError>> + Send + 'static {
        let (done, rx) = oneshot::channel();
        let queued = self.tx.send(Outgoing {
            verb,
            channel,
            payload,
            done: Some(done),
        });
        async move {
            if queued.is_err() {
                return Err(AdapterError::Backend("the adapter is closed".into()));
            }
            match rx.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(AdapterError::Backend(e)),
                Err(_) => Err(AdapterError::Backend("the adapter is closed".into())),
            }
        }
    }

    /// Queues a message nobody waits for (a failure is logged).
    pub(crate) fn send_detached(&self, verb: Verb, channel: String, payload: Vec<u8>) {
        let _ = self.tx.send(Outgoing {
            verb,
            channel,
            payload,
            done: None,
        });
    }
}

async fn run(conn: RedisConnection, mut rx: mpsc::UnboundedReceiver<Outgoing>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let result = if conn.is_cluster() {
            // A cluster routes each message on its own; they still go one after the other.
            let mut result = Ok(());
            for m in &batch {
                let r = match m.verb {
                    Verb::Publish => conn.publish(&m.channel, &m.payload).await,
                    Verb::SPublish => conn.spublish(&m.channel, &m.payload).await,
                };
                if let Err(e) = r {
                    result = Err(e);
                }
            }
            result
        } else {
            let mut pipe = redis::pipe();
            for m in &batch {
                let verb = match m.verb {
                    Verb::Publish => "PUBLISH",
                    Verb::SPublish => "SPUBLISH",
                };
                pipe.cmd(verb).arg(&m.channel).arg(&m.payload).ignore();
            }
            conn.query_pipeline(&pipe).await
        };
        if let Err(e) = &result {
            tracing::warn!(error = %e, messages = batch.len(), "publishing to Redis failed");
        }
        let outcome = result.map_err(|e| e.to_string());
        for m in batch.drain(..) {
            if let Some(done) = m.done {
                let _ = done.send(outcome.clone());
            }
        }
    }
}
