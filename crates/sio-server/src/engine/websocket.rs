//! The websocket transport: accepting the HTTP upgrade, reading and batched writing in the session task.

use super::session::{Link, Session, Step};
use super::socket::recycle_batch;
use super::{CloseReason, EngineConfig, EngineHandler};
use futures_util::{SinkExt, StreamExt};
use http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use sio_protocol::engine::{Frame, Packet};
use sio_protocol::Str;
use std::io::ErrorKind;
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

/// A server websocket over an upgraded hyper connection.
pub(crate) type WsStream = WebSocketStream<TokioIo<Upgraded>>;

/// Whether a request asks for a websocket upgrade (`Upgrade: websocket`).
pub(crate) fn is_upgrade_request(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// The `101 Switching Protocols` answer to a valid websocket request, or `None` when the request is not
/// a valid websocket handshake (no key, version not 13).
pub(crate) fn accept_response<B>(headers: &HeaderMap) -> Option<Response<B>>
where
    B: Default,
{
    let key = headers.get(header::SEC_WEBSOCKET_KEY)?;
    let version_ok = headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v.as_bytes() == b"13");
    if !version_ok {
        return None;
    }
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut res = Response::new(B::default());
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = res.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&accept).ok()?,
    );
    Some(res)
}

/// Bytes a write batch accumulates before it goes to the socket (a flush sends the rest).
const WRITE_BUFFER: usize = 8 * 1024;

/// The tungstenite configuration: a small read buffer, messages capped at `maxHttpBufferSize`,
/// writes accumulated so that a batch of frames costs one flush.
pub(crate) fn ws_config(config: &EngineConfig) -> WebSocketConfig {
    let max = config.max_http_buffer_size.max(1);
    WebSocketConfig::default()
        .read_buffer_size(config.ws_read_buffer_size.max(256))
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

/// Turns the upgraded connection into a websocket.
pub(crate) async fn from_upgraded(upgraded: Upgraded, config: WebSocketConfig) -> WsStream {
    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await
}

/// The websocket message carrying a frame (text is shared, not copied).
pub(crate) fn to_message(frame: Frame) -> Message {
    match frame {
        Frame::Text(text) => {
            // SAFETY: a `Str` only ever holds valid UTF-8.
            Message::Text(unsafe { Utf8Bytes::from_bytes_unchecked(text.into_bytes()) })
        }
        Frame::Binary(bytes) => Message::Binary(bytes),
    }
}

/// The next message of the session's websocket (never resolves on polling).
pub(crate) async fn next_message(link: &mut Link) -> Option<Result<Message, tungstenite::Error>> {
    match link {
        Link::Websocket(ws) => ws.next().await,
        Link::Polling(_) => std::future::pending().await,
    }
}

/// Writes frames as one batch: every frame fed, one flush.
pub(crate) async fn write_batch(
    ws: &mut WsStream,
    frames: impl IntoIterator<Item = Frame>,
) -> Result<(), tungstenite::Error> {
    for frame in frames {
        ws.feed(to_message(frame)).await?;
    }
    ws.flush().await
}

/// Closes an unwanted websocket in the background.
pub(crate) fn discard(mut ws: WsStream) {
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(5), ws.close(None)).await;
    });
}

/// The close reason for a websocket read error.
fn error_reason(e: &tungstenite::Error) -> CloseReason {
    match e {
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            CloseReason::TransportClose
        }
        tungstenite::Error::Io(io)
            if matches!(
                io.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof
            ) =>
        {
            CloseReason::TransportClose
        }
        tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
        ) => CloseReason::TransportClose,
        _ => CloseReason::TransportError,
    }
}

/// The Engine.IO packet of a websocket data message.
pub(crate) fn decode(msg: Message) -> Option<Result<Packet, ()>> {
    match msg {
        Message::Text(t) => {
            let bytes: bytes::Bytes = t.into();
            Some(
                Str::from_utf8(bytes)
                    .map_err(|_| ())
                    .and_then(|s| Packet::decode_text(s).map_err(|_| ())),
            )
        }
        Message::Binary(b) => Some(Ok(Packet::Binary(b))),
        _ => None,
    }
}

impl<H: EngineHandler> Session<H> {
    /// A websocket message (or its end) arrived on the session's websocket.
    pub(crate) async fn on_ws_message(
        &mut self,
        msg: Option<Result<Message, tungstenite::Error>>,
    ) -> Step {
        let msg = match msg {
            None => return Err(CloseReason::TransportClose),
            Some(Err(e)) => {
                tracing::debug!(sid = %self.socket.id(), error = %e, "websocket read failed");
                if let tungstenite::Error::Capacity(_) = e {
                    // As `ws` answers a message over `maxPayload`.
                    self.cancel_upgrade();
                    self.close_websocket_with(Some(CloseFrame {
                        code: CloseCode::Size,
                        reason: "Max payload size exceeded".into(),
                    }))
                    .await;
                    return Err(CloseReason::TransportError);
                }
                let reason = error_reason(&e);
                if reason == CloseReason::TransportError {
                    return Err(self.abort(reason).await);
                }
                return Err(reason);
            }
            Some(Ok(Message::Close(_))) => return Err(CloseReason::TransportClose),
            Some(Ok(m)) => m,
        };
        match decode(msg) {
            None => Ok(()),
            Some(Ok(packet)) => self.on_packet(packet).await,
            Some(Err(())) => {
                tracing::debug!(sid = %self.socket.id(), "websocket packet does not decode");
                Err(self.abort(CloseReason::ParseError).await)
            }
        }
    }

    /// Writes every queued frame to the websocket in one batch.
    pub(crate) async fn flush_websocket(&mut self) -> Step {
        let Link::Websocket(ws) = &mut self.link else {
            return Ok(());
        };
        let batch = &mut self.batch;
        self.socket.swap_queue(batch);
        if batch.is_empty() {
            return Ok(());
        }
        let limit = self.engine.config().ping_interval + self.engine.config().ping_timeout;
        let written = tokio::time::timeout(limit, write_batch(ws, batch.drain(..))).await;
        recycle_batch(batch);
        match written {
            Ok(Ok(())) => {
                self.engine.handler().on_drain(&self.socket);
                Ok(())
            }
            Ok(Err(e)) => {
                tracing::debug!(sid = %self.socket.id(), error = %e, "websocket write failed");
                Err(error_reason(&e))
            }
            Err(_) => {
                tracing::debug!(sid = %self.socket.id(), "websocket write timed out");
                Err(CloseReason::TransportError)
            }
        }
    }

    /// Sends the websocket close frame (best effort, bounded in time).
    pub(crate) async fn close_websocket(&mut self) {
        self.close_websocket_with(None).await;
    }

    /// Sends the websocket close frame `frame` (best effort, bounded in time).
    async fn close_websocket_with(&mut self, frame: Option<CloseFrame>) {
        if let Link::Websocket(ws) = &mut self.link {
            let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(frame)).await;
        }
    }
}
