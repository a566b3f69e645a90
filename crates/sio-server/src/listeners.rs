//! The listeners and per-packet middlewares of one socket, in one short list: a socket has a few of them,
//! and a list of a few entries is smaller and faster than a map per kind.

use crate::handler::{
    AnyFn, ConnectionFn, DisconnectFn, ErasedEventHandler, ErrorFn, OutgoingFn, PacketMiddlewareFn,
};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Identifies one listener, to remove it later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

static NEXT_LISTENER: AtomicU64 = AtomicU64::new(1);

impl ListenerId {
    fn next() -> Self {
        ListenerId(NEXT_LISTENER.fetch_add(1, Ordering::Relaxed))
    }
}

/// One registered callback.
pub(crate) enum Entry {
    Event {
        event: String,
        id: ListenerId,
        once: bool,
        f: ErasedEventHandler,
    },
    Any(ListenerId, AnyFn),
    AnyOutgoing(ListenerId, OutgoingFn),
    Disconnecting(DisconnectFn),
    Disconnect(DisconnectFn),
    Error(ErrorFn),
    Upgrade(ConnectionFn),
    Middleware(PacketMiddlewareFn),
}

/// The handlers of an incoming event.
pub(crate) enum EventHandlers {
    None,
    One(ErasedEventHandler),
    Several(Vec<ErasedEventHandler>),
}

/// The callbacks of one socket. Registration order is kept within each kind.
#[derive(Default)]
pub(crate) struct Listeners {
    entries: RwLock<Vec<Entry>>,
    /// Whether there is an outgoing catch-all listener: read on every emit without the lock.
    outgoing: AtomicBool,
}

impl Listeners {
    fn read(&self) -> RwLockReadGuard<'_, Vec<Entry>> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Vec<Entry>> {
        self.entries.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a callback, before those of its kind with `prepend`.
    pub(crate) fn add(&self, entry: Entry, prepend: bool) {
        let mut entries = self.write();
        if matches!(entry, Entry::AnyOutgoing(..)) {
            self.outgoing.store(true, Ordering::Release);
        }
        if prepend {
            entries.insert(0, entry);
        } else {
            entries.push(entry);
        }
    }

    /// Adds an event listener.
    pub(crate) fn add_event(&self, event: String, f: ErasedEventHandler, once: bool) -> ListenerId {
        let id = ListenerId::next();
        self.add(Entry::Event { event, id, once, f }, false);
        id
    }

    /// Adds a catch-all listener.
    pub(crate) fn add_any(&self, f: AnyFn, prepend: bool) -> ListenerId {
        let id = ListenerId::next();
        self.add(Entry::Any(id, f), prepend);
        id
    }

    /// Adds an outgoing catch-all listener.
    pub(crate) fn add_any_outgoing(&self, f: OutgoingFn, prepend: bool) -> ListenerId {
        let id = ListenerId::next();
        self.add(Entry::AnyOutgoing(id, f), prepend);
        id
    }

    /// Removes the entries `remove` selects.
    pub(crate) fn remove(&self, remove: impl Fn(&Entry) -> bool) {
        let mut entries = self.write();
        entries.retain(|e| !remove(e));
        let outgoing = entries.iter().any(|e| matches!(e, Entry::AnyOutgoing(..)));
        self.outgoing.store(outgoing, Ordering::Release);
    }

    /// Removes everything (the socket disconnected: the callbacks may hold clones of it).
    pub(crate) fn clear(&self) {
        *self.write() = Vec::new();
        self.outgoing.store(false, Ordering::Release);
    }

    /// The ids of the entries `id` picks.
    pub(crate) fn ids(&self, id: impl Fn(&Entry) -> Option<ListenerId>) -> Vec<ListenerId> {
        self.read().iter().filter_map(id).collect()
    }

    /// The callbacks `pick` selects, in order.
    pub(crate) fn collect<T: Clone>(&self, pick: impl Fn(&Entry) -> Option<&T>) -> Vec<T> {
        self.read().iter().filter_map(pick).cloned().collect()
    }

    /// Whether incoming events go through catch-all listeners or per-packet middlewares first.
    pub(crate) fn intercepted(&self) -> bool {
        self.read()
            .iter()
            .any(|e| matches!(e, Entry::Any(..) | Entry::Middleware(_)))
    }

    /// Whether there is an outgoing catch-all listener (without taking the lock).
    pub(crate) fn has_outgoing(&self) -> bool {
        self.outgoing.load(Ordering::Acquire)
    }

    /// The outgoing catch-all listeners, `None` when there is none (without taking the lock).
    pub(crate) fn outgoing(&self) -> Option<Vec<OutgoingFn>> {
        if !self.has_outgoing() {
            return None;
        }
        let listeners = self.collect(|e| match e {
            Entry::AnyOutgoing(_, f) => Some(f),
            _ => None,
        });
        (!listeners.is_empty()).then_some(listeners)
    }

    /// The listeners of an incoming event; the `once` ones are removed.
    pub(crate) fn take_event(&self, event: &str) -> EventHandlers {
        let mut entries = self.write();
        let mut handlers = EventHandlers::None;
        let mut once = false;
        for entry in entries.iter() {
            if let Entry::Event {
                event: e,
                once: o,
                f,
                ..
            } = entry
            {
                if e == event {
                    once |= *o;
                    handlers = match handlers {
                        EventHandlers::None => EventHandlers::One(f.clone()),
                        EventHandlers::One(first) => EventHandlers::Several(vec![first, f.clone()]),
                        EventHandlers::Several(mut all) => {
                            all.push(f.clone());
                            EventHandlers::Several(all)
                        }
                    };
                }
            }
        }
        if once {
            entries
                .retain(|e| !matches!(e, Entry::Event { event: e, once: true, .. } if e == event));
        }
        handlers
    }
}
