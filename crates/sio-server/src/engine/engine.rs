//! `Engine`: the session registry and the HTTP entry point that routes every Engine.IO request.

use super::cors::CorsRequest;
use super::errors::{self, EngineError};
use super::session::Command;
use super::{
    poll_request, query, websocket, EngineBody, EngineConfig, EngineHandler, EngineSocket,
    Transport,
};
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};

/// A registered session: its handle and the way into its task.
#[derive(Clone)]
pub(crate) struct SessionEntry {
    pub(crate) socket: EngineSocket,
    /// `None` for a session opened on websocket: no HTTP request is ever handed to it, and an idle
    /// websocket session should not carry a channel it never uses.
    pub(crate) commands: Option<mpsc::Sender<Command>>,
}

/// An Engine.IO v4 server: sessions, transports, heartbeat, with events going to `H`.
pub struct Engine<H: EngineHandler> {
    config: EngineConfig,
    base_path: String,
    handler: H,
    sessions: Mutex<HashMap<String, SessionEntry>>,
    emptied: Notify,
    shutting_down: AtomicBool,
}

impl<H: EngineHandler> Engine<H> {
    /// A new engine with these options, reporting to `handler`.
    pub fn new(config: EngineConfig, handler: H) -> Arc<Self> {
        if config.per_message_deflate {
            tracing::warn!(
                "perMessageDeflate is not supported by the websocket stack; websocket frames go uncompressed"
            );
        }
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

    /// Serves one HTTP request. Requests outside `path` get 404. Websocket requests are answered with
    /// `101` and continue on the upgraded connection (the server must enable hyper's upgrades).
    ///
    /// A polling GET is tied to its session as soon as this is called: if the returned future is
    /// dropped before it answers (the client went away), the session closes with "transport error".
    pub fn handle<B>(
        self: &Arc<Self>,
        req: Request<B>,
    ) -> impl Future<Output = Response<EngineBody>> + Send + 'static
    where
        B: Body + Send + 'static,
        B::Data: Send,
    {
        let guard = self.poll_guard(&req);
        let engine = self.clone();
        async move { engine.serve(req, guard).await }
    }

    /// The guard of a polling GET on a known session.
    fn poll_guard<B>(&self, req: &Request<B>) -> Option<poll_request::AbortGuard> {
        if req.method() != Method::GET || !self.matches(req.uri().path()) {
            return None;
        }
        let q = req.uri().query()?;
        if query::param(q, "transport").as_deref() != Some("polling") {
            return None;
        }
        let socket = self.socket(&query::param(q, "sid")?)?;
        Some(poll_request::AbortGuard::new(socket))
    }

    async fn serve<B>(
        self: Arc<Self>,
        req: Request<B>,
        guard: Option<poll_request::AbortGuard>,
    ) -> Response<EngineBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
    {
        if !self.matches(req.uri().path()) {
            return errors::status(StatusCode::NOT_FOUND);
        }
        let cors_request_headers = self
            .config
            .cors
            .as_ref()
            .map(|_| CorsRequest::of(req.headers()));
        let upgrade = websocket::is_upgrade_request(req.headers());
        if let (Some(cors), Some(h)) = (&self.config.cors, &cors_request_headers) {
            if req.method() == Method::OPTIONS && !upgrade {
                let mut res = errors::status(StatusCode::NO_CONTENT);
                cors.apply_preflight(h, res.headers_mut());
                res.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
                return res;
            }
        }
        let mut guard = guard;
        let mut res = self.route(req, upgrade, &mut guard).await;
        if let Some(unused) = guard {
            unused.disarm();
        }
        if let (Some(cors), Some(h)) = (&self.config.cors, &cors_request_headers) {
            if res.status() != StatusCode::SWITCHING_PROTOCOLS {
                cors.apply(h, res.headers_mut());
            }
        }
        res
    }

    async fn route<B>(
        self: &Arc<Self>,
        req: Request<B>,
        upgrade: bool,
        guard: &mut Option<poll_request::AbortGuard>,
    ) -> Response<EngineBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
    {
        let uri = req.uri().clone();
        let fail = |e: EngineError, message: Option<&str>| {
            tracing::debug!(code = e.code(), %uri, "engine request refused");
            if upgrade {
                e.upgrade_response(message)
            } else {
                e.response(message)
            }
        };
        let q = req.uri().query().unwrap_or("");
        let transport = query::param(q, "transport")
            .as_deref()
            .and_then(Transport::from_name)
            .filter(|t| self.config.transports.contains(t));
        let Some(transport) = transport else {
            return fail(EngineError::UnknownTransport, None);
        };
        if upgrade && transport != Transport::Websocket {
            return fail(EngineError::BadRequest, None);
        }
        let eio = query::param(q, "EIO");
        if let Some(sid) = query::param(q, "sid") {
            let Some(entry) = self.registry().get(&sid).cloned() else {
                return fail(EngineError::UnknownSid, None);
            };
            if !upgrade && entry.socket.transport() != transport {
                return fail(EngineError::BadRequest, None);
            }
            if upgrade {
                if !self.config.allow_upgrades {
                    return fail(EngineError::BadRequest, None);
                }
                return self.upgrade_session(req, entry);
            }
            let Some(commands) = entry.commands else {
                return fail(EngineError::BadRequest, None);
            };
            return match *req.method() {
                Method::GET => {
                    let guard = guard
                        .take()
                        .unwrap_or_else(|| poll_request::AbortGuard::new(entry.socket));
                    poll_request::poll(&self.config, guard, commands, req.headers()).await
                }
                Method::POST => {
                    let (parts, body) = req.into_parts();
                    poll_request::data(&self.config, &entry.socket, commands, &parts.headers, body)
                        .await
                }
                _ => errors::status(StatusCode::INTERNAL_SERVER_ERROR),
            };
        }
        if req.method() != Method::GET {
            return fail(EngineError::BadHandshakeMethod, None);
        }
        if transport == Transport::Websocket && !upgrade {
            return fail(EngineError::BadRequest, None);
        }
        let (mut parts, _body) = req.into_parts();
        if let Some(allow) = &self.config.allow_request {
            if let Err(message) = allow(&parts).await {
                return fail(EngineError::Forbidden, message.as_deref());
            }
        }
        if eio.as_deref() != Some("4") {
            return fail(EngineError::UnsupportedProtocolVersion, None);
        }
        if self.shutting_down.load(Ordering::SeqCst) {
            return errors::status(StatusCode::SERVICE_UNAVAILABLE);
        }
        match transport {
            Transport::Polling => self.open_polling(&parts),
            Transport::Websocket => self.open_websocket(&mut parts),
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

    pub(crate) fn registry(&self) -> std::sync::MutexGuard<'_, HashMap<String, SessionEntry>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}
