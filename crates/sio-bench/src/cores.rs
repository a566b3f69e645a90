//! One single-threaded tokio runtime per core for the load generator: connection tasks are spread
//! round-robin and never migrate, so a task's buffers stay in one core's cache.

use std::future::Future;
use std::thread;
use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A set of per-core current-thread runtimes that run until dropped.
pub struct Cores {
    handles: Vec<Handle>,
    stops: Vec<oneshot::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Cores {
    /// Starts `n` runtime threads (at least one).
    pub fn new(n: usize) -> std::io::Result<Self> {
        let mut cores = Cores {
            handles: Vec::new(),
            stops: Vec::new(),
            threads: Vec::new(),
        };
        for i in 0..n.max(1) {
            let rt = Builder::new_current_thread().enable_all().build()?;
            let (stop, stopped) = oneshot::channel::<()>();
            cores.handles.push(rt.handle().clone());
            cores.stops.push(stop);
            cores
                .threads
                .push(
                    thread::Builder::new()
                        .name(format!("load-{i}"))
                        .spawn(move || {
                            rt.block_on(async {
                                let _ = stopped.await;
                            });
                        })?,
                );
        }
        Ok(cores)
    }

    /// How many runtimes there are.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Always false: there is at least one runtime.
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// Spawns the task of connection `i` on runtime `i % len`.
    pub fn spawn<F>(&self, i: usize, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handles[i % self.handles.len()].spawn(fut)
    }
}

impl Drop for Cores {
    fn drop(&mut self) {
        for stop in self.stops.drain(..) {
            let _ = stop.send(());
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
