//! A websocket offering permessage-deflate, on sio's own codec (`sio_protocol::websocket`): used when
//! the option is on, since tungstenite has no compression extension.
//!
//! Frames are decoded as they arrive, compressed ones inflated under `max_message_size`; the client's
//! own messages are compressed from the threshold up, masked and written whole. A ping's pong is
//! written before the next send (reading stays cancel-safe).

use super::config::EngineConfig;
use super::websocket::WsEvent;
use super::ws_handshake::handshake;
use super::ws_io::Io;
use crate::error::Error;
use sio_protocol::engine::{Frame, Packet};
use sio_protocol::websocket::{
    apply_mask, encode_frame_header, Decoder, Deflater, Inflater, Message, OpCode,
    PerMessageDeflate, Role,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

/// Bytes read from the socket at a time (more for a frame that needs them).
const READ_CHUNK: usize = 4 * 1024;

/// Capacity the read buffer may keep while empty, after a large message.
const READ_KEPT: usize = 64 * 1024;

/// An open websocket with permessage-deflate offered (and used if the server accepted it).
pub(crate) struct DeflateSocket {
    io: Io,
    decoder: Decoder,
    /// Received bytes not decoded yet.
    unread: Vec<u8>,
    /// A pong to write before the next message.
    pending: Vec<u8>,
    deflater: Option<Deflater>,
}

impl DeflateSocket {
    /// Connects to `url` and opens the websocket, offering permessage-deflate with `offer`.
    pub async fn connect(
        cfg: &EngineConfig,
        url: &Url,
        offer: &PerMessageDeflate,
    ) -> Result<Self, Error> {
        let mut io = Io::connect(cfg, url).await?;
        let shaken = handshake(&mut io, url, cfg, Some(offer)).await?;
        let mut decoder = Decoder::client(cfg.max_message_size.max(1));
        let mut deflater = None;
        if let Some(params) = shaken.deflate {
            decoder = decoder.with_deflate(Inflater::new(Role::Client, &params));
            deflater = Some(Deflater::new(Role::Client, &params, offer));
        }
        Ok(DeflateSocket {
            io,
            decoder,
            unread: shaken.rest,
            pending: Vec::new(),
            deflater,
        })
    }

    /// Sends frames, one message each, then flushes.
    pub async fn send(&mut self, frames: &[Frame]) -> Result<(), String> {
        let mut out = std::mem::take(&mut self.pending);
        for frame in frames {
            let (opcode, payload) = match frame {
                Frame::Text(t) => (OpCode::Text, t.as_bytes()),
                Frame::Binary(b) => (OpCode::Binary, b),
            };
            self.encode(&mut out, opcode, payload);
        }
        self.write(&out).await.map_err(|e| e.to_string())
    }

    /// Appends one masked message, compressed if it reaches the threshold.
    fn encode(&mut self, out: &mut Vec<u8>, opcode: OpCode, payload: &[u8]) {
        let mut compressed = Vec::new();
        let deflated = match &mut self.deflater {
            Some(d) if d.worth_it(payload.len()) => d.compress(payload, &mut compressed),
            _ => false,
        };
        let data = if deflated { &compressed[..] } else { payload };
        let mask = rand::random::<[u8; 4]>();
        encode_frame_header(out, opcode, data.len(), deflated, Some(mask));
        apply_mask(out, data, mask);
    }

    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.io.write_all(bytes).await?;
        self.io.flush().await
    }

    /// The next packet. Cancel-safe: a read interrupted keeps nothing half done.
    pub async fn next(&mut self) -> WsEvent {
        loop {
            match self.decoder.decode(&self.unread) {
                Err(e) => return WsEvent::Error(format!("websocket protocol error: {e}")),
                Ok(decoded) => {
                    self.unread.drain(..decoded.consumed);
                    if self.unread.is_empty() && self.unread.capacity() > READ_KEPT {
                        self.unread = Vec::new();
                    }
                    if let Some(message) = decoded.message {
                        if let Some(event) = self.received(message) {
                            return event;
                        }
                        continue;
                    }
                }
            }
            self.unread.reserve(READ_CHUNK);
            match self.io.read_buf(&mut self.unread).await {
                Ok(0) => return WsEvent::Closed,
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "websocket closed");
                    return WsEvent::Closed;
                }
            }
        }
    }

    /// What a message means for the transport; control messages are handled here.
    fn received(&mut self, message: Message) -> Option<WsEvent> {
        let decoded = match message {
            Message::Text(t) => Packet::decode_text(t),
            Message::Binary(b) => Ok(Packet::Binary(b)),
            Message::Ping(payload) => {
                let mask = rand::random::<[u8; 4]>();
                encode_frame_header(
                    &mut self.pending,
                    OpCode::Pong,
                    payload.len(),
                    false,
                    Some(mask),
                );
                apply_mask(&mut self.pending, &payload, mask);
                return None;
            }
            Message::Pong(_) => return None,
            Message::Close(frame) => {
                tracing::debug!(?frame, "websocket close frame");
                return Some(WsEvent::Closed);
            }
        };
        Some(match decoded {
            Ok(p) => WsEvent::Packet(p),
            Err(e) => WsEvent::Error(format!("bad packet: {e}")),
        })
    }

    /// Sends a close frame, then reads until the server closes too (best effort; the caller bounds the wait).
    pub async fn close(&mut self) {
        let mut out = std::mem::take(&mut self.pending);
        let mask = rand::random::<[u8; 4]>();
        encode_frame_header(&mut out, OpCode::Close, 0, false, Some(mask));
        let _ = self.write(&out).await;
        let _ = self.io.shutdown().await;
        // Until the server closes too: unread data would turn the close into a reset.
        let mut discard = [0u8; 4096];
        while let Ok(1..) = self.io.read(&mut discard).await {}
    }
}
