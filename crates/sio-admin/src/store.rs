//! The session store: which session ids an authenticated dashboard may reconnect with (`store`).

use futures_util::future::BoxFuture;
use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

/// Keeps the session ids given to dashboards that logged in, so that they reconnect without the password
/// (the official `Store`). Implement it over a shared database for a cluster.
pub trait SessionStore: Send + Sync + 'static {
    /// Whether `session_id` was saved.
    fn exists(&self, session_id: &str) -> BoxFuture<'_, bool>;
    /// Saves `session_id`.
    fn save(&self, session_id: String) -> BoxFuture<'_, ()>;
}

/// The default store: in memory, this server only, the last [`InMemoryStore::CAPACITY`] sessions.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    sessions: Mutex<Sessions>,
}

#[derive(Debug, Default)]
struct Sessions {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl InMemoryStore {
    /// How many sessions are kept; the oldest is forgotten past it.
    pub const CAPACITY: usize = 10_000;
}

impl SessionStore for InMemoryStore {
    fn exists(&self, session_id: &str) -> BoxFuture<'_, bool> {
        let found = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ids
            .contains(session_id);
        Box::pin(async move { found })
    }

    fn save(&self, session_id: String) -> BoxFuture<'_, ()> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if sessions.ids.insert(session_id.clone()) {
            sessions.order.push_back(session_id);
            if sessions.order.len() > Self::CAPACITY {
                if let Some(oldest) = sessions.order.pop_front() {
                    sessions.ids.remove(&oldest);
                }
            }
        }
        Box::pin(async {})
    }
}
