//! Listener registries (`on`, `once`, `off`, `listeners`) and the emitter of the manager's and engine's
//! events, whose handlers run on a task of their own, off the I/O path.
//!
//! An emitter's queue holds at most [`crate::Bounds::observer_backlog`] events; later ones are dropped.

use crate::handler_queue::{before_handlers, call, HandlerQueue};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

/// Identifies a registered listener, for `off` and `listeners`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListenerId(pub(crate) u64);

/// A shared handler.
pub(crate) type Callback<E> = Arc<dyn Fn(E) + Send + Sync>;

struct Entry<E> {
    id: ListenerId,
    once: bool,
    f: Callback<E>,
}

/// Listeners by event name.
pub(crate) struct Registry<E> {
    next: u64,
    by_name: HashMap<String, Vec<Entry<E>>>,
}

impl<E> Default for Registry<E> {
    fn default() -> Self {
        Registry {
            next: 1,
            by_name: HashMap::new(),
        }
    }
}

impl<E> Registry<E> {
    pub fn next_id(&mut self) -> ListenerId {
        let id = ListenerId(self.next);
        self.next += 1;
        id
    }

    pub fn add(&mut self, name: &str, once: bool, f: Callback<E>) -> ListenerId {
        let id = self.next_id();
        self.by_name
            .entry(name.to_owned())
            .or_default()
            .push(Entry { id, once, f });
        id
    }

    /// Removes one listener of `name`, all listeners of `name`, or everything.
    pub fn remove(&mut self, name: Option<&str>, id: Option<ListenerId>) {
        match (name, id) {
            (None, _) => self.by_name.clear(),
            (Some(n), None) => {
                self.by_name.remove(n);
            }
            (Some(n), Some(id)) => {
                if let Some(list) = self.by_name.get_mut(n) {
                    list.retain(|e| e.id != id);
                }
            }
        }
    }

    /// Whether `name` has a listener.
    pub fn has(&self, name: &str) -> bool {
        self.by_name.get(name).is_some_and(|l| !l.is_empty())
    }

    pub fn ids(&self, name: &str) -> Vec<ListenerId> {
        self.by_name
            .get(name)
            .map(|l| l.iter().map(|e| e.id).collect())
            .unwrap_or_default()
    }

    /// The handlers to call for one emission; `once` listeners are removed before they run.
    pub fn take_for_emit(&mut self, name: &str) -> Vec<Callback<E>> {
        let Some(list) = self.by_name.get_mut(name) else {
            return Vec::new();
        };
        let out = list.iter().map(|e| e.f.clone()).collect();
        list.retain(|e| !e.once);
        out
    }
}

/// Locks a registry; a handler that panicked elsewhere does not poison the listeners for everyone else.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// An event emitter whose handlers run on their own task, in emission order, without any lock held.
/// The task is started by the first listener: an emitter nobody listens to costs neither a task nor a
/// channel, and an emission nobody listens to costs at most one uncontended lock.
///
/// Its queue holds at most `capacity` emissions ([`crate::Bounds::observer_backlog`]): while the handlers lag
/// that far behind, later emissions are dropped with a warning (observers are told, they do not steer).
pub(crate) struct Emitter<E> {
    inner: Arc<EmitterInner<E>>,
}

struct EmitterInner<E> {
    registry: Mutex<Registry<E>>,
    /// Emissions not taken by the task yet, at most `capacity`.
    queue: HandlerQueue<(&'static str, E)>,
    /// Set when the first listener started the task.
    started: OnceLock<()>,
    runtime: tokio::runtime::Handle,
    capacity: usize,
}

impl<E> Drop for EmitterInner<E> {
    fn drop(&mut self) {
        self.queue.wake();
    }
}

impl<E> Clone for Emitter<E> {
    fn clone(&self) -> Self {
        Emitter {
            inner: self.inner.clone(),
        }
    }
}

impl<E: Clone + Send + 'static> Emitter<E> {
    /// Creates the emitter, queueing at most `capacity` emissions; its dispatch task will run on `handle`.
    pub fn new(handle: &tokio::runtime::Handle, capacity: usize) -> Self {
        Emitter {
            inner: Arc::new(EmitterInner {
                registry: Mutex::default(),
                queue: HandlerQueue::default(),
                started: OnceLock::new(),
                runtime: handle.clone(),
                capacity: capacity.max(1),
            }),
        }
    }

    /// Whether `name` has a listener now (to skip building events nobody observes).
    pub fn listens(&self, name: &str) -> bool {
        self.inner.started.get().is_some() && lock(&self.inner.registry).has(name)
    }

    pub fn emit(&self, name: &'static str, event: E) {
        if !self.listens(name) {
            return;
        }
        if self.inner.queue.len() >= self.inner.capacity {
            tracing::warn!(event = name, "observers lag behind: event dropped");
            return;
        }
        self.inner.queue.push((name, event));
    }

    /// Adds a listener; the first one starts the dispatch task (from the caller, so that it never
    /// lands behind a handler that blocks the I/O task's thread).
    pub fn on(&self, name: &str, once: bool, f: Callback<E>) -> ListenerId {
        self.inner.started.get_or_init(|| {
            self.inner.runtime.spawn(run(Arc::downgrade(&self.inner)));
        });
        lock(&self.inner.registry).add(name, once, f)
    }

    pub fn off(&self, name: Option<&str>, id: Option<ListenerId>) {
        lock(&self.inner.registry).remove(name, id)
    }

    pub fn listeners(&self, name: &str) -> Vec<ListenerId> {
        lock(&self.inner.registry).ids(name)
    }
}

/// The emitter's task: runs the handlers of each emission in order; ends with the emitter.
async fn run<E: Clone>(emitter: Weak<EmitterInner<E>>) {
    loop {
        let batch = std::future::poll_fn(|cx| match emitter.upgrade() {
            Some(inner) => inner.queue.poll_take(cx).map(Some),
            None => std::task::Poll::Ready(None),
        })
        .await;
        let Some(batch) = batch else { return };
        before_handlers().await;
        for (name, event) in batch {
            let Some(inner) = emitter.upgrade() else {
                return;
            };
            let handlers = lock(&inner.registry).take_for_emit(name);
            drop(inner);
            for h in handlers {
                call(&h, event.clone(), name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lagging_observer_misses_events_past_the_backlog() {
        let emitter: Emitter<u32> = Emitter::new(&tokio::runtime::Handle::current(), 4);
        let release = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (r, s) = (release.clone(), seen.clone());
        emitter.on(
            "e",
            false,
            Arc::new(move |n| {
                // the first event blocks until the test has emitted everything
                while n == 0 && !r.load(Ordering::Acquire) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                lock(&s).push(n);
            }),
        );
        emitter.emit("e", 0);
        // wait until the observer runs event 0 (which left the queue)
        let started = std::time::Instant::now();
        while emitter.inner.queue.len() != 0 {
            assert!(started.elapsed() < Duration::from_secs(5));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for n in 1..100 {
            emitter.emit("e", n);
        }
        release.store(true, Ordering::Release);
        let started = std::time::Instant::now();
        while lock(&seen).len() < 5 {
            assert!(started.elapsed() < Duration::from_secs(5));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            *lock(&seen),
            vec![0, 1, 2, 3, 4],
            "four queued, the rest dropped"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_observer_does_not_stop_later_events() {
        let emitter: Emitter<u32> = Emitter::new(&tokio::runtime::Handle::current(), 16);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        emitter.on(
            "e",
            false,
            Arc::new(move |n| {
                assert_ne!(n, 0, "the observer fails on 0");
                lock(&s).push(n);
            }),
        );
        for n in 0..3 {
            emitter.emit("e", n);
        }
        let started = std::time::Instant::now();
        while lock(&seen).len() < 2 {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "later events run"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(*lock(&seen), vec![1, 2]);
    }

    #[test]
    fn once_listeners_run_once_and_off_removes() {
        let mut r: Registry<u32> = Registry::default();
        let a = r.add("x", false, Arc::new(|_| {}));
        let b = r.add("x", true, Arc::new(|_| {}));
        r.add("y", false, Arc::new(|_| {}));
        assert_eq!(r.ids("x"), vec![a, b]);
        assert_eq!(r.take_for_emit("x").len(), 2);
        assert_eq!(r.ids("x"), vec![a]);
        r.remove(Some("x"), Some(a));
        assert!(r.ids("x").is_empty());
        r.remove(Some("y"), None);
        assert!(r.ids("y").is_empty());
    }
}
