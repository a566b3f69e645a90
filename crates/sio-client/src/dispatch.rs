//! A socket's listeners and the task that calls them, so that no handler ever runs on the connection's task.
//!
//! Its queue (`deliveries`) is bounded by the credits received events hold until their handlers ran
//! ([`crate::Bounds::incoming`]); reserved and outgoing events are made by this client, one per act. The
//! futures of async handlers (`on_async`) run in the same task, at most
//! [`crate::Bounds::running_handlers`] at once: when that many run, the task takes no more deliveries
//! until one ends.

use crate::engine::Engine;
use crate::events::{lock, Callback, ListenerId, Registry};
use crate::handler_queue::{before_handlers, call, HandlerQueue};
use crate::incoming::Event;
use crate::inflow::Credit;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::Poll;

/// What the dispatcher delivers.
pub(crate) enum Dispatch {
    /// A server event: catch-all listeners first, then the event's listeners. Its credit is released once
    /// they ran.
    Event(Event, Option<Credit>),
    /// `connect`, `disconnect` or `connect_error`: only that event's listeners.
    Reserved(Event),
    /// An event being sent: the outgoing catch-all listeners.
    Outgoing(Event),
}

#[derive(Default)]
pub(crate) struct Listeners {
    pub named: Registry<Event>,
    pub any: Vec<(ListenerId, Callback<Event>)>,
    pub any_outgoing: Vec<(ListenerId, Callback<Event>)>,
}

/// The callback of [`Socket::on_handler_error`](crate::Socket::on_handler_error).
pub(crate) type HandlerErrorFn = Arc<dyn Fn(&str, &sio_protocol::value::Error) + Send + Sync>;

/// State of one namespace socket shared between its handles, the connection task and the dispatcher.
pub(crate) struct SocketShared {
    pub nsp: String,
    pub id: Mutex<Option<String>>,
    pub connected: AtomicBool,
    pub active: AtomicBool,
    pub recovered: AtomicBool,
    pub listeners: Mutex<Listeners>,
    /// Whether `any_outgoing` has a listener (read by every emit without taking the listeners' lock).
    pub observes_outgoing: AtomicBool,
    /// The engine this socket is connected on, set by the manager's task once the send buffer went out:
    /// a plain emit is encoded by the caller and queued there directly, with no hop through that task.
    pub link: Mutex<Option<Engine>>,
    /// Futures of async handlers started by the delivery being run, for the dispatcher to drive.
    pub started: Mutex<Vec<BoxFuture<'static, ()>>>,
    /// Told when an `on_typed` handler got arguments of another type.
    pub handler_error: Mutex<Option<HandlerErrorFn>>,
    /// Whether received plain events go straight to the dispatcher (connected, no recovery offset to track).
    receiving: AtomicBool,
    /// Emits and disconnects handed to the manager's task and not handled yet: later emits queue behind
    /// them, in order.
    pub queued: AtomicUsize,
    /// Emits in the send buffer and the retry queue, as last counted by the manager's task.
    pub buffered: AtomicUsize,
    /// Acks the server has not answered yet, as last counted by the manager's task.
    pub pending_acks: AtomicUsize,
    /// Deliveries waiting for the dispatcher.
    deliveries: HandlerQueue<Dispatch>,
}

impl SocketShared {
    /// A socket of `nsp` whose dispatcher runs on `handle`, with at most `running_handlers` async handlers
    /// running at once.
    pub fn new(nsp: String, handle: &tokio::runtime::Handle, running_handlers: usize) -> Arc<Self> {
        let shared = Arc::new(SocketShared {
            nsp,
            id: Mutex::new(None),
            connected: AtomicBool::new(false),
            active: AtomicBool::new(false),
            recovered: AtomicBool::new(false),
            listeners: Mutex::default(),
            observes_outgoing: AtomicBool::new(false),
            link: Mutex::new(None),
            handler_error: Mutex::new(None),
            started: Mutex::new(Vec::new()),
            queued: AtomicUsize::new(0),
            buffered: AtomicUsize::new(0),
            pending_acks: AtomicUsize::new(0),
            receiving: AtomicBool::new(false),
            deliveries: HandlerQueue::default(),
        });
        let weak = Arc::downgrade(&shared);
        handle.spawn(async move {
            let mut running = FuturesUnordered::new();
            // ends once the socket is gone (its drop wakes this task)
            while let Some(mut batch) = next_batch(&weak, &mut running, running_handlers).await {
                before_handlers().await;
                let Some(shared) = weak.upgrade() else { break };
                while let Some(d) = batch.pop_front() {
                    shared.run(d);
                    running.extend(lock(&shared.started).drain(..));
                    if running.len() >= running_handlers && !batch.is_empty() {
                        // The rest waits (first in line) until a handler ends.
                        shared.deliveries.put_back(batch);
                        break;
                    }
                }
            }
            // The async handlers still running finish.
            while running.next().await.is_some() {}
        });
        shared
    }

    /// Calls the listeners of one delivery, without holding the lock.
    fn run(&self, d: Dispatch) {
        let (handlers, event, credit) = {
            let mut l = lock(&self.listeners);
            match d {
                Dispatch::Event(e, credit) => {
                    let mut hs: Vec<_> = l.any.iter().map(|(_, f)| f.clone()).collect();
                    hs.extend(l.named.take_for_emit(&e.name));
                    (hs, e, credit)
                }
                Dispatch::Reserved(e) => (l.named.take_for_emit(&e.name), e, None),
                Dispatch::Outgoing(e) => (
                    l.any_outgoing.iter().map(|(_, f)| f.clone()).collect(),
                    e,
                    None,
                ),
            }
        };
        if let Some((last, rest)) = handlers.split_last() {
            let name = event.name.clone();
            for h in rest {
                call(h, event.clone(), &name);
            }
            call(last, event, &name);
        }
        drop(credit);
    }

    pub fn dispatch(&self, d: Dispatch) {
        self.deliveries.push(d);
    }

    pub fn set_connected(&self, connected: bool) {
        self.connected.store(connected, Ordering::Release);
    }

    pub fn set_active(&self, active: bool) {
        self.active.store(active, Ordering::Release);
    }

    /// Connects the fast paths to `engine` (or disconnects them): emits queue there directly and, when
    /// `receive` holds, received events skip the manager's task.
    pub fn set_link(&self, engine: Option<Engine>, receive: bool) {
        self.receiving
            .store(receive && engine.is_some(), Ordering::Release);
        *lock(&self.link) = engine;
    }

    pub fn receiving(&self) -> bool {
        self.receiving.load(Ordering::Acquire)
    }

    pub fn set_id(&self, id: Option<String>) {
        *lock(&self.id) = id;
    }
}

impl Drop for SocketShared {
    fn drop(&mut self) {
        self.deliveries.wake();
    }
}

/// Drives the `running` async handlers while waiting for deliveries, and takes all of them once fewer than
/// `limit` handlers run; `None` once the socket is gone.
async fn next_batch(
    socket: &Weak<SocketShared>,
    running: &mut FuturesUnordered<BoxFuture<'static, ()>>,
    limit: usize,
) -> Option<VecDeque<Dispatch>> {
    std::future::poll_fn(|cx| {
        while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
        let Some(shared) = socket.upgrade() else {
            return Poll::Ready(None);
        };
        if running.len() >= limit {
            // Woken by a handler that ends.
            return Poll::Pending;
        }
        shared.deliveries.poll_take(cx).map(Some)
    })
    .await
}
