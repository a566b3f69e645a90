//! The WebSocket transport: one Engine.IO packet per websocket message, over tungstenite's codec, or
//! over sio's own codec when permessage-deflate is offered (see [`DeflateSocket`]); either after sio's
//! own opening handshake.

use super::config::EngineConfig;
use super::deflate_socket::DeflateSocket;
use super::ws_handshake::handshake;
use super::ws_io::Io;
use crate::error::{Error, HandshakeError};
use crate::options::TransportKind;
use futures_util::{SinkExt, StreamExt};
use sio_protocol::engine::{Frame, Packet};
use sio_protocol::Str;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

/// What the websocket transport reports.
#[derive(Debug)]
pub(crate) enum WsEvent {
    /// One packet.
    Packet(Packet),
    /// The connection ended (close frame or end of stream).
    Closed,
    /// The connection failed.
    Error(String),
}

/// The read buffer every connection keeps: at most this many bytes are read at a time while it holds
/// small frames (tungstenite's default, 128 KiB, is allocated up front); a frame longer than this grows it
/// and arrives whole.
const READ_BUFFER: usize = 1024;

/// An open websocket.
pub(crate) struct WebSocket {
    stream: Stream,
}

/// The websocket implementation in use. Not boxed: the transport boxes the whole websocket.
#[allow(clippy::large_enum_variant)]
enum Stream {
    Tungstenite(WebSocketStream<Io>),
    Deflate(DeflateSocket),
}

impl WebSocket {
    /// Opens the websocket, for a new session (`sid` none) or to upgrade an existing one.
    pub async fn connect(cfg: &EngineConfig, sid: Option<&str>) -> Result<Self, Error> {
        let url = cfg.url(TransportKind::WebSocket, sid)?;
        if let Some(offer) = &cfg.per_message_deflate {
            let socket = DeflateSocket::connect(cfg, &url, offer).await?;
            return Ok(WebSocket {
                stream: Stream::Deflate(socket),
            });
        }
        let mut io = Io::connect(cfg, &url).await?;
        let shaken = handshake(&mut io, &url, cfg, None).await?;
        let config = WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            .max_message_size(Some(cfg.max_message_size))
            .max_frame_size(Some(cfg.max_message_size));
        let stream =
            WebSocketStream::from_partially_read(io, shaken.rest, Role::Client, Some(config)).await;
        Ok(WebSocket {
            stream: Stream::Tungstenite(stream),
        })
    }

    /// Opens a new session over websocket only: returns the OPEN packet's data.
    pub async fn handshake(cfg: &EngineConfig) -> Result<(Self, String), Error> {
        let mut ws = WebSocket::connect(cfg, None).await?;
        match ws.next().await {
            WsEvent::Packet(Packet::Open(data)) => Ok((ws, data.to_string())),
            other => {
                tracing::debug!(event = ?other, "handshake without an open packet");
                Err(Error::Handshake(HandshakeError::NoOpenPacket))
            }
        }
    }

    /// Sends frames, one message each, then flushes.
    pub async fn send(&mut self, frames: &[Frame]) -> Result<(), String> {
        let stream = match &mut self.stream {
            Stream::Tungstenite(stream) => stream,
            Stream::Deflate(socket) => return socket.send(frames).await,
        };
        for frame in frames {
            let msg = match frame {
                Frame::Text(t) => Message::Text(
                    Utf8Bytes::try_from(t.as_bytes().clone()).unwrap_or_else(|_| t.as_str().into()),
                ),
                Frame::Binary(b) => Message::Binary(b.clone()),
            };
            stream.feed(msg).await.map_err(|e| e.to_string())?;
        }
        stream.flush().await.map_err(|e| e.to_string())
    }

    /// The next packet. Cancel-safe.
    pub async fn next(&mut self) -> WsEvent {
        let stream = match &mut self.stream {
            Stream::Tungstenite(stream) => stream,
            Stream::Deflate(socket) => return socket.next().await,
        };
        loop {
            let msg = match stream.next().await {
                None => {
                    tracing::debug!("websocket stream ended");
                    return WsEvent::Closed;
                }
                Some(Err(e)) => {
                    use tokio_tungstenite::tungstenite::Error as E;
                    return match e {
                        E::ConnectionClosed | E::AlreadyClosed | E::Io(_) => {
                            tracing::debug!(error = %e, "websocket closed");
                            WsEvent::Closed
                        }
                        e => WsEvent::Error(e.to_string()),
                    };
                }
                Some(Ok(m)) => m,
            };
            let decoded = match msg {
                Message::Text(t) => Packet::decode_text(Str::from(t.as_str())),
                Message::Binary(b) => Ok(Packet::Binary(b)),
                Message::Close(frame) => {
                    tracing::debug!(?frame, "websocket close frame");
                    return WsEvent::Closed;
                }
                _ => continue,
            };
            return match decoded {
                Ok(p) => WsEvent::Packet(p),
                Err(e) => WsEvent::Error(format!("bad packet: {e}")),
            };
        }
    }

    /// Sends a close frame, then reads (and drops) what still comes until the server's close frame or the
    /// end of the stream, as RFC 6455's closing handshake has it: a connection closed with unread data is
    /// reset, and the server may then lose what was sent just before (a DISCONNECT would read as
    /// `transport error`). Best effort: the caller bounds the wait.
    pub async fn close(&mut self) {
        match &mut self.stream {
            Stream::Tungstenite(stream) => {
                let _ = stream.close(None).await;
                while let Some(Ok(_)) = stream.next().await {}
            }
            Stream::Deflate(socket) => socket.close().await,
        }
    }
}
