//! The ordered outgoing commands of one adapter factory (`XADD`, `PUBLISH`, `SPUBLISH`): each is queued
//! when the operation calls the transport, not when its future is first polled, and one task sends what
//! is queued, as one pipeline on a single server and one command after the other on a cluster, so that
//! two broadcasts made one after the other get stream entries in that order.

use crate::connection::RedisConnection;
use sio_server::AdapterError;
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

struct Job {
    cmd: redis::Cmd,
    done: oneshot::Sender<Result<redis::Value, String>>,
}

/// The queue (cheap to clone); its task ends when every clone is dropped.
#[derive(Clone)]
pub(crate) struct Queue {
    tx: mpsc::UnboundedSender<Job>,
}

/// Commands sent in one pipeline at most.
const BATCH: usize = 256;

impl Queue {
    /// A queue sending on `conn`.
    pub fn new(conn: RedisConnection) -> Queue {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(conn, rx));
        Queue { tx }
    }

    /// Queues `cmd` now; the future gives Redis's answer.
    pub fn send(
        &self,
        cmd: redis::Cmd,
    ) -> impl Future<Output = Result<redis::Value, AdapterError>> + Send + 'static {
        let (done, rx) = oneshot::channel();
        let queued = self.tx.send(Job { cmd, done });
        async move {
            let closed = || AdapterError::Backend("the adapter is closed".into());
            if queued.is_err() {
                return Err(closed());
            }
            match rx.await {
                Ok(result) => result.map_err(AdapterError::Backend),
                Err(_) => Err(closed()),
            }
        }
    }
}

async fn run(conn: RedisConnection, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        if conn.is_cluster() {
            // A cluster routes each command on its own; they still go one after the other.
            for job in batch.drain(..) {
                let result = conn.query::<redis::Value>(&job.cmd).await;
                if let Err(e) = &result {
                    tracing::warn!(error = %e, "a Redis command of the streams adapter failed");
                }
                let _ = job.done.send(result.map_err(|e| e.to_string()));
            }
            continue;
        }
        let mut pipe = redis::pipe();
        for job in &batch {
            pipe.add_command(job.cmd.clone());
        }
        match conn.query_pipeline_values(&pipe).await {
            Ok(replies) if replies.len() == batch.len() => {
                for (job, reply) in batch.drain(..).zip(replies) {
                    let _ = job.done.send(Ok(reply));
                }
            }
            result => {
                let error = match result {
                    Err(e) => e.to_string(),
                    Ok(_) => "unexpected pipeline reply".to_owned(),
                };
                tracing::warn!(%error, commands = batch.len(), "Redis commands of the streams adapter failed");
                for job in batch.drain(..) {
                    let _ = job.done.send(Err(error.clone()));
                }
            }
        }
    }
}
