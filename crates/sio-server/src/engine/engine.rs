//! `Engine`: the options, the handler and the session registry (requests are routed in `route`).

use super::session::Command;
use super::slot::SessionSlot;
use super::{EngineConfig, EngineHandler, EngineSocket, Transport};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};

/// A registered session: its handle, the handler's value for it and the way into its task.
pub(crate) struct SessionEntry<S> {
    pub(crate) socket: EngineSocket,
    pub(crate) slot: Arc<SessionSlot<S>>,
    /// `None` for a session opened on websocket: no HTTP request is ever handed to it, and an idle
    /// websocket session should not carry a channel it never uses.
    pub(crate) commands: Option<mpsc::Sender<Command>>,
}

impl<S> Clone for SessionEntry<S> {
    fn clone(&self) -> Self {
        SessionEntry {
            socket: self.socket.clone(),
            slot: self.slot.clone(),
            commands: self.commands.clone(),
        }
    }
}

/// The registry of open sessions, by id.
type Registry<S> = HashMap<String, SessionEntry<S>>;

/// An Engine.IO v4 server: sessions, transports, heartbeat, with events going to `H`.
pub struct Engine<H: EngineHandler> {
    config: EngineConfig,
    base_path: String,
    handler: H,
    sessions: Mutex<Registry<H::Session>>,
    emptied: Notify,
    shutting_down: AtomicBool,
}

impl<H: EngineHandler> Engine<H> {
    /// A new engine with these options, reporting to `handler`.
    pub fn new(config: EngineConfig, handler: H) -> Arc<Self> {
        Arc::new(Engine {
            base_path: config.base_path(),
            config,
            handler,
            sessions: Mutex::new(HashMap::new()),
            emptied: Notify::new(),
            shutting_down: AtomicBool::new(false),
        })
    }

    /// The handler receiving the events.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The options.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// How many sessions are open.
    pub fn sessions(&self) -> usize {
        self.registry().len()
    }

    /// How many sessions are open on this transport (polling: not upgraded).
    pub fn sessions_on(&self, transport: Transport) -> usize {
        let sessions = self.registry();
        let on = sessions.values();
        on.filter(|e| e.socket.transport() == transport).count()
    }

    /// The session with this id, if open.
    pub fn socket(&self, id: &str) -> Option<EngineSocket> {
        self.registry().get(id).map(|e| e.socket.clone())
    }

    /// Whether a request path is served by this engine (`path` or anything under `path/`).
    pub fn matches(&self, path: &str) -> bool {
        path.starts_with(&self.base_path) || path == self.base_path.trim_end_matches('/')
    }

    /// Closes every session with [`CloseReason::ServerShuttingDown`](super::CloseReason::ServerShuttingDown)
    /// and waits until all are gone; new handshakes are refused from now on (503).
    pub async fn close(&self) {
        let sockets: Vec<EngineSocket> = {
            // Set under the lock: a session registering concurrently is either refused or listed here.
            let sessions = self.registry();
            self.shutting_down.store(true, Ordering::SeqCst);
            sessions.values().map(|e| e.socket.clone()).collect()
        };
        for socket in sockets {
            socket.close(super::CloseReason::ServerShuttingDown);
            // A session already closing (waiting for a last poll) must stop waiting.
            socket.0.wake.notify();
        }
        loop {
            let emptied = self.emptied.notified();
            tokio::pin!(emptied);
            emptied.as_mut().enable();
            if self.sessions() == 0 {
                return;
            }
            emptied.await;
        }
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    pub(crate) fn remove_session(&self, id: &str) {
        let mut sessions = self.registry();
        sessions.remove(id);
        if sessions.is_empty() {
            drop(sessions);
            self.emptied.notify_waiters();
        }
    }

    pub(crate) fn registry(&self) -> std::sync::MutexGuard<'_, Registry<H::Session>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}
