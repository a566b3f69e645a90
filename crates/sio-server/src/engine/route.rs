//! Routing a request: polls and POSTs on a polling session go straight to their handling (the
//! common case, kept small because hyper moves the future around); handshakes, upgrades, preflights
//! and refusals go through the general router.

use super::compress::Encoding;
use super::cors::CorsRequest;
use super::engine::SessionEntry;
use super::errors::{self, EngineError};
use super::hooks::Answer;
use super::poll_request::{self, AbortGuard};
use super::protocol::Protocol;
use super::session::Command;
use super::slot::SessionSlot;
use super::Transport;
use super::{
    data_request, query, websocket, Engine, EngineBody, EngineHandler, EngineSocket, RemoteAddr,
    RequestInfo,
};
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What a request asks of the engine, read from its URI once.
struct Target<S> {
    /// The `transport` parameter, if it names an enabled transport.
    transport: Option<Transport>,
    /// `EIO=4`.
    eio4: bool,
    /// The session named by `sid` (`Some(None)`: no such session).
    session: Option<Option<SessionEntry<S>>>,
}

/// How a request is served.
enum Route<B, S> {
    /// A GET on a polling session.
    Poll {
        socket: EngineSocket,
        slot: Arc<SessionSlot<S>>,
        /// Ties the GET to its session from the moment the request is handled.
        guard: AbortGuard,
        encoding: Option<Encoding>,
        cors: Option<CorsRequest>,
        /// The request head, kept for the `headers` hook only.
        head: Option<Box<http::request::Parts>>,
    },
    /// A POST on a polling session.
    Post {
        socket: EngineSocket,
        slot: Arc<SessionSlot<S>>,
        commands: mpsc::Sender<Command>,
        binary: bool,
        body: B,
        cors: Option<CorsRequest>,
        /// The request head, kept for the `headers` hook only.
        head: Option<Box<http::request::Parts>>,
        /// The request for its messages' handlers, kept only if asked for (`data_requests`).
        data_request: Option<Arc<RequestInfo>>,
    },
    /// Anything else under the engine's path.
    General(Request<B>, Target<S>),
    /// A path that is not the engine's.
    NotFound,
}

impl<H: EngineHandler> Engine<H> {
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
        self.respond(self.route_of(req, None))
    }

    /// [`handle`](Self::handle) for a request from `peer` on the engine's own server: the address
    /// goes into the request only where a session may keep it (a handshake), which spares every
    /// other request an extension map.
    pub(crate) fn handle_from<B>(
        self: &Arc<Self>,
        req: Request<B>,
        peer: SocketAddr,
    ) -> impl Future<Output = Response<EngineBody>> + Send + 'static
    where
        B: Body + Send + 'static,
        B::Data: Send,
    {
        self.respond(self.route_of(req, Some(peer)))
    }

    fn respond<B>(
        self: &Arc<Self>,
        route: Route<B, H::Session>,
    ) -> impl Future<Output = Response<EngineBody>> + Send + 'static
    where
        B: Body + Send + 'static,
        B::Data: Send,
    {
        let engine = self.clone();
        async move {
            let (mut res, cors, head) = match route {
                Route::Poll {
                    socket,
                    slot,
                    guard,
                    encoding,
                    cors,
                    head,
                } => (
                    poll_request::poll(&engine, &socket, &slot, guard, encoding).await,
                    cors,
                    head,
                ),
                Route::Post {
                    socket,
                    slot,
                    commands,
                    binary,
                    body,
                    cors,
                    head,
                    data_request,
                } => {
                    let post = poll_request::data(&engine, &socket, &slot, commands, binary, body);
                    let res = match data_request {
                        Some(request) => data_request::scope(&socket, request, post).await,
                        None => post.await,
                    };
                    (res, cors, head)
                }
                // Boxed: the general router is large, and rare next to polls and POSTs.
                Route::General(req, target) => return Box::pin(engine.serve(req, target)).await,
                Route::NotFound => return errors::status(StatusCode::NOT_FOUND),
            };
            if let (Some(config), Some(h)) = (&engine.config().cors, &cors) {
                config.apply(h, res.headers_mut());
            }
            if let Some(head) = head.filter(|_| res.status() == StatusCode::OK) {
                let headers = res.headers_mut();
                engine
                    .config()
                    .run_header_hooks(Answer::Session, headers, &head);
            }
            res
        }
    }

    /// Reads what a request asks for, looking its session up once.
    fn route_of<B>(&self, mut req: Request<B>, peer: Option<SocketAddr>) -> Route<B, H::Session> {
        if !self.matches(req.uri().path()) {
            return Route::NotFound;
        }
        let params = query::EngineParams::of(req.uri().query().unwrap_or(""));
        let transport = params
            .transport
            .as_deref()
            .and_then(Transport::from_name)
            // WebTransport comes through its own listener, never through HTTP (engine.io's `verify`).
            .filter(|t| *t != Transport::WebTransport && self.config().transports.contains(t));
        let session = params.sid.map(|sid| self.registry().get(&*sid).cloned());
        let eio4 = params.eio.as_deref() == Some("4");
        let session = match session {
            // A poll or a POST on a polling session: served straight away with the entry just looked up.
            Some(Some(SessionEntry {
                socket,
                slot,
                commands: Some(commands),
            })) if transport == Some(Transport::Polling)
                && socket.transport() == Transport::Polling
                && !websocket::is_upgrade_request(req.headers())
                && matches!(*req.method(), Method::GET | Method::POST) =>
            {
                let cors = self
                    .config()
                    .cors
                    .as_ref()
                    .map(|_| CorsRequest::of(req.headers()));
                let hooked = self.config().hooks_every_answer();
                if let (Some(peer), true) = (peer, hooked || self.config().data_requests) {
                    req.extensions_mut().insert(RemoteAddr(peer));
                }
                if req.method() == Method::GET {
                    return Route::Poll {
                        guard: AbortGuard::new(socket.clone()),
                        socket,
                        slot,
                        encoding: poll_request::accepted_encoding(self.config(), req.headers()),
                        cors,
                        head: hooked.then(|| Box::new(req.into_parts().0)),
                    };
                }
                let binary = poll_request::is_binary(req.headers());
                let (parts, body) = req.into_parts();
                let data_request = self
                    .config()
                    .data_requests
                    .then(|| Arc::new(RequestInfo::from_parts(&parts)));
                return Route::Post {
                    socket,
                    slot,
                    commands,
                    binary,
                    body,
                    cors,
                    head: hooked.then(|| Box::new(parts)),
                    data_request,
                };
            }
            // A handshake: its session keeps the peer address.
            None => {
                if let Some(peer) = peer {
                    req.extensions_mut().insert(RemoteAddr(peer));
                }
                None
            }
            // An upgrade (or a request refused): the `headers` hook may see it.
            Some(session) => {
                if let (Some(peer), true) = (peer, self.config().hooks_every_answer()) {
                    req.extensions_mut().insert(RemoteAddr(peer));
                }
                Some(session)
            }
        };
        let target = Target {
            transport,
            eio4,
            session,
        };
        Route::General(req, target)
    }

    /// The general router, with CORS around it.
    async fn serve<B>(
        self: Arc<Self>,
        req: Request<B>,
        target: Target<H::Session>,
    ) -> Response<EngineBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
    {
        let cors_request_headers = self
            .config()
            .cors
            .as_ref()
            .map(|_| CorsRequest::of(req.headers()));
        let upgrade = websocket::is_upgrade_request(req.headers());
        if let (Some(cors), Some(h)) = (&self.config().cors, &cors_request_headers) {
            if req.method() == Method::OPTIONS && !upgrade {
                let mut res = errors::status(StatusCode::NO_CONTENT);
                cors.apply_preflight(h, res.headers_mut());
                res.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
                return res;
            }
        }
        let mut res = self.route(req, upgrade, target).await;
        if let (Some(cors), Some(h)) = (&self.config().cors, &cors_request_headers) {
            if res.status() != StatusCode::SWITCHING_PROTOCOLS {
                cors.apply(h, res.headers_mut());
            }
        }
        res
    }

    /// Handshakes, upgrades, and the refusals of everything the engine does not serve.
    async fn route<B>(
        self: &Arc<Self>,
        req: Request<B>,
        upgrade: bool,
        target: Target<H::Session>,
    ) -> Response<EngineBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
    {
        if let Some(res) = (!upgrade)
            .then(|| self.handler().serve_file(req.uri().path(), req.headers()))
            .flatten()
        {
            return res;
        }
        let uri = req.uri().clone();
        let fail = |e: EngineError, message: Option<&str>| {
            tracing::debug!(code = e.code(), %uri, "engine request refused");
            if upgrade {
                e.upgrade_response(message)
            } else {
                e.response(message)
            }
        };
        let Some(transport) = target.transport else {
            return fail(EngineError::UnknownTransport, None);
        };
        if upgrade && transport != Transport::Websocket {
            return fail(EngineError::BadRequest, None);
        }
        if let Some(session) = target.session {
            let Some(entry) = session else {
                return fail(EngineError::UnknownSid, None);
            };
            if !upgrade && entry.socket.transport() != transport {
                return fail(EngineError::BadRequest, None);
            }
            if upgrade {
                if !self.config().allow_upgrades {
                    return fail(EngineError::BadRequest, None);
                }
                return self.upgrade_session(req, entry);
            }
            if entry.commands.is_none() {
                return fail(EngineError::BadRequest, None);
            }
            // A polling request with another method than GET or POST.
            return errors::status(StatusCode::INTERNAL_SERVER_ERROR);
        }
        if req.method() != Method::GET {
            return fail(EngineError::BadHandshakeMethod, None);
        }
        if transport == Transport::Websocket && !upgrade {
            return fail(EngineError::BadRequest, None);
        }
        let (mut parts, _body) = req.into_parts();
        if let Some(allow) = &self.config().allow_request {
            if let Err(message) = allow(&parts).await {
                return fail(EngineError::Forbidden, message.as_deref());
            }
        }
        let Some(protocol) =
            Protocol::of_handshake(target.eio4, &parts.uri, self.config().allow_eio3)
        else {
            return fail(EngineError::UnsupportedProtocolVersion, None);
        };
        if self.is_shutting_down() {
            return errors::status(StatusCode::SERVICE_UNAVAILABLE);
        }
        match transport {
            Transport::Polling => self.open_polling(&parts, protocol),
            Transport::Websocket => self.open_websocket(&mut parts, protocol),
            Transport::WebTransport => fail(EngineError::UnknownTransport, None),
        }
    }
}
