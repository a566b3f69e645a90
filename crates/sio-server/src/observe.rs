//! Observers of the server's inner life, for instrumentation (the admin dashboard): room membership
//! changes (the official adapter's `join-room` / `leave-room` events) and Engine.IO connection activity
//! (the official engine's `connection`, `packet` and `close` events). Nothing is built when no one listens.

use crate::adapter::{Room, SocketId};
use crate::engine::CloseReason;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// A change of a local socket's rooms, as its namespace's adapter applied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomChange {
    /// The socket joined the room (its own room too, when it connects).
    Joined {
        /// The room.
        room: Room,
        /// The socket.
        id: SocketId,
    },
    /// The socket left the room (every room, its own included, when it disconnects).
    Left {
        /// The room.
        room: Room,
        /// The socket.
        id: SocketId,
    },
}

/// Something that happened to an Engine.IO session of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineActivity {
    /// A session opened.
    Opened,
    /// A message arrived, of this many bytes (its text or binary payload).
    MessageReceived(usize),
    /// A session closed.
    Closed(CloseReason),
}

/// An observer of events `E`.
pub(crate) type Observer<E> = Arc<dyn Fn(&E) + Send + Sync>;

/// A list of listeners whose emptiness costs one atomic load to check.
pub(crate) struct Observers<E: ?Sized> {
    any: AtomicBool,
    list: RwLock<Vec<Observer<E>>>,
}

impl<E: ?Sized> Default for Observers<E> {
    fn default() -> Self {
        Observers {
            any: AtomicBool::new(false),
            list: RwLock::new(Vec::new()),
        }
    }
}

impl<E: ?Sized> Observers<E> {
    pub(crate) fn add(&self, f: Observer<E>) {
        self.list.write().unwrap_or_else(|e| e.into_inner()).push(f);
        self.any.store(true, Ordering::Release);
    }

    /// Whether anyone listens (if not, the caller builds no event).
    pub(crate) fn listened(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    pub(crate) fn notify(&self, event: &E) {
        if !self.listened() {
            return;
        }
        let list = self.list.read().unwrap_or_else(|e| e.into_inner()).clone();
        for f in list {
            f(event);
        }
    }
}
