//! `Engine`: the session registry and the HTTP entry point that routes every Engine.IO request.

use super::errors::{self, EngineError};
use super::session::{Command, Link, Session};
use super::{
    polling, query, sid, websocket, EngineBody, EngineConfig, EngineHandler, EngineSocket,
    RequestInfo, Transport,
};
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use sio_protocol::engine::{Frame, Handshake, PacketType};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};

/// Room in a session's command channel (GETs, POSTs and upgrades in flight).
const COMMAND_CAPACITY: usize = 4;

/// A registered session: its handle and the way into its task.
#[derive(Clone)]
pub(crate) struct SessionEntry {
    pub(crate) socket: EngineSocket,
    pub(crate) commands: mpsc::Sender<Command>,
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
        self.shutting_down.store(true, Ordering::SeqCst);
        let sockets: Vec<EngineSocket> =
            self.registry().values().map(|e| e.socket.clone()).collect();
        for socket in sockets {
            socket.close(super::CloseReason::ServerShuttingDown);
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
    pub async fn handle<B>(self: &Arc<Self>, req: Request<B>) -> Response<EngineBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
    {
        if !self.matches(req.uri().path()) {
            return errors::status(StatusCode::NOT_FOUND);
        }
        let cors_request_headers = self.config.cors.as_ref().map(|_| req.headers().clone());
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
        let mut res = self.route(req, upgrade).await;
        if let (Some(cors), Some(h)) = (&self.config.cors, &cors_request_headers) {
            if res.status() != StatusCode::SWITCHING_PROTOCOLS {
                cors.apply(h, res.headers_mut());
            }
        }
        res
    }

    async fn route<B>(self: &Arc<Self>, req: Request<B>, upgrade: bool) -> Response<EngineBody>
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
            return match *req.method() {
                Method::GET => {
                    polling::poll(&self.config, &entry.socket, entry.commands, req.headers()).await
                }
                Method::POST => {
                    let (parts, body) = req.into_parts();
                    polling::data(
                        &self.config,
                        &entry.socket,
                        entry.commands,
                        &parts.headers,
                        body,
                    )
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

    /// The handshake over polling: a session and its open packet as the answer.
    fn open_polling(self: &Arc<Self>, parts: &http::request::Parts) -> Response<EngineBody> {
        let id = sid::generate();
        let open = self.open_frame(&id, Transport::Polling);
        let socket = self.register(
            id.clone(),
            RequestInfo::from_parts(parts),
            Transport::Polling,
        );
        let (socket, commands) = socket;
        Session::spawn(self.clone(), socket, commands, Link::Polling(None));
        let mut res = polling::payload_response(&self.config, &parts.headers, &[open]);
        self.set_cookie(&mut res, &id);
        res
    }

    /// The handshake over websocket: `101`, then a session whose first frame is the open packet.
    fn open_websocket(self: &Arc<Self>, parts: &mut http::request::Parts) -> Response<EngineBody> {
        let Some(mut res) = websocket::accept_response::<EngineBody>(&parts.headers) else {
            return EngineError::BadRequest.upgrade_response(None);
        };
        let Some(on_upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
            tracing::warn!("websocket request without hyper upgrade support");
            return EngineError::BadRequest.upgrade_response(None);
        };
        let id = sid::generate();
        self.set_cookie(&mut res, &id);
        let info = RequestInfo::from_parts(parts);
        let engine = self.clone();
        tokio::spawn(async move {
            let upgraded = match on_upgrade.await {
                Ok(u) => u,
                Err(e) => {
                    tracing::debug!(error = %e, "websocket upgrade failed");
                    return;
                }
            };
            let ws = websocket::from_upgraded(upgraded, &engine.config).await;
            let open = engine.open_frame(&id, Transport::Websocket);
            let (socket, commands) = engine.register(id, info, Transport::Websocket);
            socket.push_control(open);
            if let Some(initial) = &engine.config.initial_packet {
                socket.push_control(initial.clone());
            }
            Session::spawn(engine, socket, commands, Link::Websocket(ws));
        });
        res
    }

    /// A websocket for an existing session: `101`, then the websocket goes to the session's task.
    fn upgrade_session<B>(&self, req: Request<B>, entry: SessionEntry) -> Response<EngineBody> {
        let (mut parts, _body) = req.into_parts();
        let Some(res) = websocket::accept_response::<EngineBody>(&parts.headers) else {
            return EngineError::BadRequest.upgrade_response(None);
        };
        let Some(on_upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
            return EngineError::BadRequest.upgrade_response(None);
        };
        let config = self.config.clone();
        tokio::spawn(async move {
            let Ok(upgraded) = on_upgrade.await else {
                return;
            };
            let ws = websocket::from_upgraded(upgraded, &config).await;
            if let Err(mpsc::error::SendError(Command::Upgrade(ws))) =
                entry.commands.send(Command::Upgrade(ws)).await
            {
                websocket::discard(ws);
            }
        });
        res
    }

    fn open_frame(&self, id: &str, transport: Transport) -> Frame {
        let handshake = Handshake {
            sid: id.to_string(),
            upgrades: self.config.upgrades_from(transport),
            ping_interval: self.config.ping_interval.as_millis() as u64,
            ping_timeout: self.config.ping_timeout.as_millis() as u64,
            max_payload: self.config.max_http_buffer_size as u64,
        };
        Frame::text(PacketType::Open, &handshake.to_json())
    }

    fn register(
        &self,
        id: String,
        info: RequestInfo,
        transport: Transport,
    ) -> (EngineSocket, mpsc::Receiver<Command>) {
        let socket =
            EngineSocket::new(id.clone(), info, transport, self.config.max_buffered_frames);
        if transport == Transport::Polling {
            if let Some(initial) = &self.config.initial_packet {
                socket.push_control(initial.clone());
            }
        }
        let (tx, rx) = mpsc::channel(COMMAND_CAPACITY);
        let entry = SessionEntry {
            socket: socket.clone(),
            commands: tx,
        };
        self.registry().insert(id, entry);
        (socket, rx)
    }

    fn set_cookie(&self, res: &mut Response<EngineBody>, id: &str) {
        if let Some(cookie) = &self.config.cookie {
            if let Ok(v) = HeaderValue::from_str(&cookie.serialize(id)) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }

    pub(crate) fn remove_session(&self, id: &str) {
        let mut sessions = self.registry();
        sessions.remove(id);
        if sessions.is_empty() {
            drop(sessions);
            self.emptied.notify_waiters();
        }
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, HashMap<String, SessionEntry>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}
