//! A fleet of benchmark clients: connected at a bounded rate across the per-core runtimes, held at a
//! start gate, then each running its workload loop until the fleet is dropped.

use crate::cores::Cores;
use crate::error::BenchError;
use crate::live::Live;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

/// Handshakes allowed in flight while a fleet connects.
pub const CONNECTING_AT_ONCE: usize = 128;
/// Longest a single connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Running client tasks; aborted (their sockets reset) when dropped.
pub struct Fleet {
    tasks: Vec<JoinHandle<()>>,
    start: watch::Sender<bool>,
    /// Counters shared with the tasks.
    pub live: Arc<Live>,
}

impl Fleet {
    /// An empty fleet.
    pub fn new() -> Self {
        Fleet {
            tasks: Vec::new(),
            start: watch::channel(false).0,
            live: Arc::new(Live::default()),
        }
    }

    /// Spawns client `i`: `connect` runs under the fleet-wide handshake limit, then (after
    /// [`Fleet::go`]) `run` drives the connection until it fails or the fleet is dropped.
    pub fn spawn<C, CF, R, RF, T>(
        &mut self,
        cores: &Cores,
        i: usize,
        gate: &Arc<Semaphore>,
        connect: C,
        run: R,
    ) where
        C: FnOnce() -> CF + Send + 'static,
        CF: Future<Output = Result<T, BenchError>> + Send,
        R: FnOnce(T, Arc<Live>) -> RF + Send + 'static,
        RF: Future<Output = Result<(), BenchError>> + Send,
        T: Send + 'static,
    {
        let live = self.live.clone();
        let gate = gate.clone();
        let mut start = self.start.subscribe();
        self.tasks.push(cores.spawn(i, async move {
            let conn = {
                let Ok(_permit) = gate.acquire().await else {
                    return;
                };
                match tokio::time::timeout(CONNECT_TIMEOUT, connect()).await {
                    Ok(Ok(conn)) => conn,
                    Ok(Err(e)) => return live.fail(&e),
                    Err(_) => return live.fail(&BenchError::Timeout("connect".into())),
                }
            };
            live.connected.fetch_add(1, Ordering::Relaxed);
            if start.wait_for(|go| *go).await.is_err() {
                return;
            }
            if let Err(e) = run(conn, live.clone()).await {
                if !live.stopping() {
                    live.fail(&e);
                }
            }
        }));
    }

    /// Opens the start gate: every connected client begins its loop.
    pub fn go(&self) {
        let _ = self.start.send(true);
    }

    /// Stops and aborts every task, waiting until their sockets are closed.
    pub async fn shutdown(mut self) {
        self.live.stop.store(true, Ordering::Relaxed);
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Default for Fleet {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A new handshake limiter of [`CONNECTING_AT_ONCE`] permits.
pub fn connect_gate() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(CONNECTING_AT_ONCE))
}
