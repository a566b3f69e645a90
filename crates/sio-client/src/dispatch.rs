//! A socket's listeners and the task that calls them, so that no handler ever runs on the connection's task.

use crate::events::{lock, Callback, ListenerId, Registry};
use crate::incoming::Event;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// What the dispatcher delivers.
pub(crate) enum Dispatch {
    /// A server event: catch-all listeners first, then the event's listeners.
    Event(Event),
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

/// State of one namespace socket shared between its handles, the connection task and the dispatcher.
pub(crate) struct SocketShared {
    pub nsp: String,
    pub id: Mutex<Option<String>>,
    pub connected: AtomicBool,
    pub active: AtomicBool,
    pub recovered: AtomicBool,
    pub listeners: Mutex<Listeners>,
    dispatch: mpsc::UnboundedSender<Dispatch>,
}

impl SocketShared {
    pub fn new(nsp: String, handle: &tokio::runtime::Handle) -> Arc<Self> {
        let (tx, mut rx) = mpsc::unbounded_channel::<Dispatch>();
        let shared = Arc::new(SocketShared {
            nsp,
            id: Mutex::new(None),
            connected: AtomicBool::new(false),
            active: AtomicBool::new(false),
            recovered: AtomicBool::new(false),
            listeners: Mutex::default(),
            dispatch: tx,
        });
        let weak = Arc::downgrade(&shared);
        handle.spawn(async move {
            while let Some(d) = rx.recv().await {
                let Some(shared) = weak.upgrade() else { break };
                let (handlers, event) = {
                    let mut l = lock(&shared.listeners);
                    match d {
                        Dispatch::Event(e) => {
                            let mut hs: Vec<_> = l.any.iter().map(|(_, f)| f.clone()).collect();
                            hs.extend(l.named.take_for_emit(&e.name));
                            (hs, e)
                        }
                        Dispatch::Reserved(e) => (l.named.take_for_emit(&e.name), e),
                        Dispatch::Outgoing(e) => {
                            (l.any_outgoing.iter().map(|(_, f)| f.clone()).collect(), e)
                        }
                    }
                };
                drop(shared);
                for h in handlers {
                    h(event.clone());
                }
            }
        });
        shared
    }

    pub fn dispatch(&self, d: Dispatch) {
        let _ = self.dispatch.send(d);
    }

    pub fn set_connected(&self, connected: bool) {
        self.connected.store(connected, Ordering::Release);
    }

    pub fn set_active(&self, active: bool) {
        self.active.store(active, Ordering::Release);
    }

    pub fn set_id(&self, id: Option<String>) {
        *lock(&self.id) = id;
    }
}
