//! `SessionSlot`: the handler's value for one session, and the turn in which events reach it.

use std::sync::{Arc, Mutex, MutexGuard};

/// The handler's [`Session`](super::EngineHandler::Session) value behind the session's delivery turn:
/// whoever holds the turn is the only one handing the handler an event of this session. The session
/// task holds it for its events, a polling POST while it hands its messages over, a GET for its drain;
/// the task also takes it to end the session or hand it to a websocket, so that no message reaches
/// the handler after `on_close`, nor one from polling after the upgrade. Empty before `on_open` and
/// after `on_close`. Never held across an await.
pub(crate) struct SessionSlot<S>(Mutex<Option<S>>);

impl<S> SessionSlot<S> {
    /// An empty slot, filled when the session task starts.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(SessionSlot(Mutex::new(None)))
    }

    /// Takes the delivery turn (a handler that panicked in its turn does not lock the session out).
    pub(crate) fn turn(&self) -> MutexGuard<'_, Option<S>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
