//! The events to the dashboards, in the order they happened: observers push them onto a bounded queue
//! (a push, whatever the task they run on) and one task broadcasts them to the admin namespace through its
//! adapter, so that the dashboards connected to any server of a cluster receive them.

use sio_server::{Namespace, Value};
use std::time::SystemTime;
use tokio::sync::mpsc;

/// How many events may wait for the broadcasting task; past it, events are dropped (with a warning): the
/// dashboard is an observer and must not slow the server down.
const QUEUE: usize = 4096;

/// A handle that queues events for the dashboards. Cheap to clone.
#[derive(Clone)]
pub(crate) struct AdminEmitter {
    queue: mpsc::Sender<(&'static str, Vec<Value>)>,
}

impl AdminEmitter {
    /// Starts the task that broadcasts to `admin`; it ends when every handle is gone.
    pub(crate) fn spawn(admin: Namespace) -> Self {
        let (queue, mut rx) = mpsc::channel::<(&'static str, Vec<Value>)>(QUEUE);
        tokio::spawn(async move {
            while let Some((event, args)) = rx.recv().await {
                if let Err(error) = admin.broadcast().emit_args(event, args).await {
                    tracing::debug!(event, %error, "admin event not sent");
                }
            }
        });
        AdminEmitter { queue }
    }

    /// Queues `event` with its arguments.
    pub(crate) fn emit(&self, event: &'static str, args: Vec<Value>) {
        if let Err(error) = self.queue.try_send((event, args)) {
            tracing::warn!(event, %error, "admin event dropped");
        }
    }
}

/// Now, as JavaScript's `new Date()` serializes (`2024-01-31T12:00:00.000Z`).
pub(crate) fn now() -> Value {
    Value::String(humantime::format_rfc3339_millis(SystemTime::now()).to_string())
}
