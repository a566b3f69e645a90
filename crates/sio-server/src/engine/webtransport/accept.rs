//! Accepting a WebTransport session: the HTTP/3 request, then the client's first packet on its first
//! bidirectional stream, which opens a session (`open`) or offers itself to a polling session as an
//! upgrade (`open` with `{"sid":...}`), as engine.io's `onWebTransportSession`.

use super::super::duplex::{self, Duplex};
use super::super::errors::EngineError;
use super::super::protocol::Protocol;
use super::super::session::{Command, Link, Session};
use super::super::{sid, Engine, EngineHandler, RemoteAddr, RequestInfo, Transport};
use super::stream::H3_NO_ERROR;
use super::WtStream;
use serde::Deserialize;
use sio_protocol::engine::Packet;
use sio_protocol::websocket::Message;
use std::future::poll_fn;
use std::sync::Arc;
use wtransport::endpoint::{IncomingSession, SessionRequest};

/// The data of an upgrade's `open` packet.
#[derive(Deserialize)]
struct Upgrade {
    sid: String,
}

impl<H: EngineHandler> Engine<H> {
    /// Serves one incoming WebTransport session up to its handshake.
    pub(super) async fn accept_webtransport(self: Arc<Self>, incoming: IncomingSession) {
        let request = match incoming.await {
            Ok(request) => request,
            Err(e) => {
                tracing::debug!(error = %e, "webtransport connection failed");
                return;
            }
        };
        let path = request.path().split('?').next().unwrap_or("");
        if !self.matches(path) {
            request.not_found().await;
            return;
        }
        if self.is_shutting_down() {
            request.too_many_requests().await;
            return;
        }
        let info = request_info(&request);
        if let Some(allow) = &self.config().allow_request {
            let parts = parts_of(&info);
            if let Err(message) = allow(&parts).await {
                tracing::debug!(
                    code = EngineError::Forbidden.code(),
                    ?message,
                    "webtransport session refused"
                );
                request.forbidden().await;
                return;
            }
        }
        let connection = match request.accept().await {
            Ok(connection) => connection,
            Err(e) => {
                tracing::debug!(error = %e, "webtransport session failed");
                return;
            }
        };
        // The client has `upgradeTimeout` to open its stream and send its first packet.
        let limit = self.config().upgrade_timeout;
        let first = tokio::time::timeout(limit, async {
            let streams = connection.accept_bi().await.ok()?;
            let mut stream = WtStream::new(
                connection.clone(),
                streams,
                self.config().max_http_buffer_size,
            );
            let message = poll_fn(|cx| stream.poll_message(cx)).await.ok()?;
            Some((stream, message))
        })
        .await;
        let Ok(Some((stream, message))) = first else {
            tracing::debug!("webtransport client sent no handshake");
            connection.close(H3_NO_ERROR, b"");
            return;
        };
        let open = match message {
            Message::Text(text) => Packet::decode_text(text).ok(),
            _ => None,
        };
        match open {
            Some(Packet::Open(data)) if data.is_empty() => self.open_webtransport(info, stream),
            Some(Packet::Open(data)) => self.upgrade_to_webtransport(&data, stream).await,
            _ => {
                tracing::debug!("invalid webtransport handshake");
                duplex::discard(Duplex::WebTransport(Box::new(stream)));
            }
        }
    }

    /// A new session on WebTransport, its open packet the first frame.
    fn open_webtransport(self: &Arc<Self>, info: RequestInfo, stream: WtStream) {
        let id = sid::generate();
        let open = self.open_frame(&id, Transport::WebTransport);
        let stream = Duplex::WebTransport(Box::new(stream));
        let Some(new) = self.register(id, info, Transport::WebTransport, Protocol::V4) else {
            duplex::discard(stream);
            return;
        };
        new.socket.push_control(open);
        if let Some(initial) = &self.config().initial_packet {
            new.socket.push_control(initial.clone());
        }
        Session::spawn(self.clone(), new, Link::Stream(stream));
    }

    /// A WebTransport stream offered to the polling session named in `data`.
    async fn upgrade_to_webtransport(&self, data: &str, stream: WtStream) {
        let stream = Duplex::WebTransport(Box::new(stream));
        let entry = serde_json::from_str::<Upgrade>(data)
            .ok()
            .and_then(|upgrade| self.registry().get(&upgrade.sid).cloned());
        let commands = match entry {
            Some(entry) if self.config().allow_upgrades => entry.commands,
            _ => None,
        };
        let Some(commands) = commands else {
            tracing::debug!("invalid webtransport upgrade");
            duplex::discard(stream);
            return;
        };
        if let Err(tokio::sync::mpsc::error::SendError(Command::Upgrade(stream))) =
            commands.send(Command::Upgrade(Box::new(stream))).await
        {
            duplex::discard(*stream);
        }
    }
}

/// What the session request said, as the [`RequestInfo`] of an HTTP handshake: `CONNECT` to the path,
/// the request's headers, the peer's address; always secure.
fn request_info(request: &SessionRequest) -> RequestInfo {
    let uri = format!("https://{}{}", request.authority(), request.path())
        .parse()
        .unwrap_or_else(|_| http::Uri::from_static("/"));
    let mut headers = http::HeaderMap::new();
    for (name, value) in request.headers() {
        if name.starts_with(':') {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    RequestInfo::new(
        http::Method::CONNECT,
        uri,
        &headers,
        Some(request.remote_address()),
        true,
    )
}

/// The request head [`EngineConfig::allow_request`](super::super::EngineConfig::allow_request) is
/// given: the session request as [`request_info`] reads it, its peer as a [`RemoteAddr`] extension.
fn parts_of(info: &RequestInfo) -> http::request::Parts {
    let mut request = http::Request::new(());
    *request.method_mut() = info.method.clone();
    *request.uri_mut() = info.uri.clone();
    *request.headers_mut() = info.headers().clone();
    if let Some(peer) = info.remote_addr {
        request.extensions_mut().insert(RemoteAddr(peer));
    }
    request.into_parts().0
}
