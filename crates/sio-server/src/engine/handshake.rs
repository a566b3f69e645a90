//! Opening sessions: the polling and websocket handshakes, and websockets joining a session.

use super::duplex::Duplex;
use super::engine::SessionEntry;
use super::errors::{self, EngineError};
use super::hooks::Answer;
use super::protocol::Protocol;
use super::session::{Command, Link, NewSession, Session};
use super::slot::SessionSlot;
use super::websocket::WebSocket;
use super::ws_deflate;
use super::{
    poll_request, sid, websocket, Engine, EngineBody, EngineHandler, EngineSocket, RequestInfo,
    Transport,
};
use http::{header, HeaderValue, Request, Response, StatusCode};
use sio_protocol::engine::{Frame, Handshake, PacketType};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Room in a session's command channel (GETs, POSTs and upgrades in flight).
const COMMAND_CAPACITY: usize = 4;

impl<H: EngineHandler> Engine<H> {
    /// The handshake over polling: a session and its open packet as the answer.
    pub(crate) fn open_polling(
        self: &Arc<Self>,
        parts: &http::request::Parts,
        protocol: Protocol,
    ) -> Response<EngineBody> {
        let id = sid::generate();
        let open = self.open_frame(&id, Transport::Polling);
        let registered = self.register(
            id.clone(),
            RequestInfo::from_parts(parts),
            Transport::Polling,
            protocol,
        );
        let Some(new) = registered else {
            return errors::status(StatusCode::SERVICE_UNAVAILABLE);
        };
        Session::spawn(self.clone(), new, Link::Polling);
        // The initial packet rides in the handshake answer with the open packet, as in engine.io.
        let mut frames = vec![open];
        frames.extend(self.config().initial_packet.clone());
        let encoding = poll_request::accepted_encoding(self.config(), &parts.headers);
        let payload = protocol.encode_payload(&frames);
        let mut res = poll_request::payload_response(self.config(), encoding, payload);
        self.set_cookie(&mut res, &id);
        self.config()
            .run_header_hooks(Answer::Handshake, res.headers_mut(), parts);
        res
    }

    /// The handshake over websocket: `101`, then a session whose first frame is the open packet.
    pub(crate) fn open_websocket(
        self: &Arc<Self>,
        parts: &mut http::request::Parts,
        protocol: Protocol,
    ) -> Response<EngineBody> {
        let Some(mut res) = websocket::accept_response::<EngineBody>(&parts.headers) else {
            return EngineError::BadRequest.upgrade_response(None);
        };
        let negotiated = ws_deflate::negotiate(&parts.headers, self.config(), res.headers_mut());
        let deflate = match negotiated {
            Ok(deflate) => deflate,
            Err(refused) => return refused.response(),
        };
        let Some(on_upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
            tracing::warn!("websocket request without hyper upgrade support");
            return EngineError::BadRequest.upgrade_response(None);
        };
        let id = sid::generate();
        self.set_cookie(&mut res, &id);
        self.config()
            .run_header_hooks(Answer::Handshake, res.headers_mut(), parts);
        let pending = Box::new(PendingWebSocket {
            engine: self.clone(),
            on_upgrade,
            id,
            info: RequestInfo::from_parts(parts),
            protocol,
            base64: websocket::wants_base64(&parts.uri),
            deflate,
        });
        tokio::spawn(async move {
            // Not `if let`: its scrutinee's future would live on beside the session's.
            let Some(session) = pending.open().await else {
                return;
            };
            session.await;
        });
        res
    }

    /// A websocket for an existing session: `101`, then the websocket goes to the session's task.
    pub(crate) fn upgrade_session<B>(
        &self,
        req: Request<B>,
        entry: SessionEntry<H::Session>,
    ) -> Response<EngineBody> {
        let (mut parts, _body) = req.into_parts();
        let Some(mut res) = websocket::accept_response::<EngineBody>(&parts.headers) else {
            return EngineError::BadRequest.upgrade_response(None);
        };
        let negotiated = ws_deflate::negotiate(&parts.headers, self.config(), res.headers_mut());
        let deflate = match negotiated {
            Ok(deflate) => deflate,
            Err(refused) => return refused.response(),
        };
        let Some(on_upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
            return EngineError::BadRequest.upgrade_response(None);
        };
        self.config()
            .run_header_hooks(Answer::Session, res.headers_mut(), &parts);
        let max_message = self.config().max_http_buffer_size;
        // Each transport reads `b64` from its own request, as in engine.io.
        let base64 = websocket::wants_base64(&parts.uri);
        tokio::spawn(async move {
            let Ok(upgraded) = on_upgrade.await else {
                return;
            };
            let ws = WebSocket::new(upgraded, max_message, base64).speaking(entry.socket.wire());
            let ws = ws.deflating(deflate);
            // A session opened on websocket cannot upgrade: its new websocket is closed at once.
            let Some(commands) = entry.commands else {
                tracing::debug!(sid = %entry.socket.id(), "transport had already been upgraded");
                websocket::discard(ws);
                return;
            };
            if let Err(mpsc::error::SendError(Command::Upgrade(ws))) = commands
                .send(Command::Upgrade(Box::new(Duplex::WebSocket(ws))))
                .await
            {
                super::duplex::discard(*ws);
            }
        });
        res
    }

    pub(crate) fn open_frame(&self, id: &str, transport: Transport) -> Frame {
        let handshake = Handshake {
            sid: id.to_string(),
            upgrades: self.config().upgrades_from(transport),
            ping_interval: self.config().ping_interval.as_millis() as u64,
            ping_timeout: self.config().ping_timeout.as_millis() as u64,
            max_payload: self.config().max_http_buffer_size as u64,
        };
        Frame::text(PacketType::Open, &handshake.to_json())
    }

    /// Registers a new session, or `None` once shutdown has begun. The check is made under the
    /// registry lock, so a session is either refused or seen by [`Engine::close`].
    pub(crate) fn register(
        &self,
        id: String,
        info: RequestInfo,
        transport: Transport,
        protocol: Protocol,
    ) -> Option<NewSession<H::Session>> {
        let socket = EngineSocket::new(
            id.clone(),
            info,
            transport,
            protocol,
            self.config().max_buffered_frames,
        );
        let (tx, rx) = match transport {
            Transport::Polling => {
                let (tx, rx) = mpsc::channel(COMMAND_CAPACITY);
                (Some(tx), Some(rx))
            }
            Transport::Websocket | Transport::WebTransport => (None, None),
        };
        let slot = SessionSlot::new();
        let entry = SessionEntry {
            socket: socket.clone(),
            slot: slot.clone(),
            commands: tx,
        };
        let mut sessions = self.registry();
        if self.is_shutting_down() {
            return None;
        }
        sessions.insert(id, entry);
        Some(NewSession {
            socket,
            slot,
            commands: rx,
        })
    }

    fn set_cookie(&self, res: &mut Response<EngineBody>, id: &str) {
        if let Some(cookie) = &self.config().cookie {
            if let Ok(v) = HeaderValue::from_str(&cookie.serialize(id)) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
}

/// What a websocket handshake keeps until hyper hands the connection over. Boxed, and gone once the
/// session starts: the task that waits for the connection goes on to run the session, and whatever
/// that task captures stays in it for the session's whole life.
struct PendingWebSocket<H: EngineHandler> {
    engine: Arc<Engine<H>>,
    on_upgrade: hyper::upgrade::OnUpgrade,
    id: String,
    info: RequestInfo,
    protocol: Protocol,
    base64: bool,
    deflate: Option<ws_deflate::Negotiated>,
}

impl<H: EngineHandler> PendingWebSocket<H> {
    /// Waits for the upgraded connection and opens the session on it; what runs the session then.
    async fn open(mut self: Box<Self>) -> Option<impl std::future::Future<Output = ()> + Send> {
        let upgraded = match (&mut self.on_upgrade).await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(error = %e, "websocket upgrade failed");
                return None;
            }
        };
        let PendingWebSocket {
            engine,
            id,
            info,
            protocol,
            base64,
            deflate,
            ..
        } = *self;
        let ws = WebSocket::new(upgraded, engine.config().max_http_buffer_size, base64)
            .speaking(protocol)
            .deflating(deflate);
        let open = engine.open_frame(&id, Transport::Websocket);
        let Some(new) = engine.register(id, info, Transport::Websocket, protocol) else {
            // The server began shutting down while the handshake was under way.
            tracing::debug!("websocket handshake completed during shutdown, closing it");
            websocket::discard(ws);
            return None;
        };
        new.socket.push_control(open);
        if let Some(initial) = &engine.config().initial_packet {
            new.socket.push_control(initial.clone());
        }
        Some(Session::start(
            engine,
            new,
            Link::Stream(Duplex::WebSocket(ws)),
        ))
    }
}
