//! The websocket transport: sio's own RFC 6455 server (codec in `sio_protocol::websocket`) over the
//! upgraded HTTP connection, read and written by the session task.
//!
//! An idle websocket holds no buffer. A read lands in a per-thread scratch buffer and is decoded there:
//! each message is copied out (unmasked) into `Bytes` of its exact size, and only what follows it (a
//! partial frame, or the next frames of a burst) is kept until decoded. A write encodes a batch of frames
//! into a per-thread scratch buffer and writes it at once; only what the socket does not take is kept,
//! and only then is a timer armed for the write.

use super::protocol::{self, Protocol};
use super::uncompressed::BatchFlags;
use super::ws_deflate::{Compressor, Negotiated};
use super::CloseReason;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use sio_protocol::engine::{Frame, Packet};
use sio_protocol::websocket::{
    accept_key, encode_close, encode_header, frame_size, Decoder, Message, OpCode, ProtocolError,
};
use sio_protocol::Str;
use std::cell::RefCell;
use std::future::poll_fn;
use std::io::{self, ErrorKind};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes one read takes from the socket at most (into the scratch buffer).
const READ_SCRATCH: usize = 16 * 1024;

/// Capacity the write scratch buffer keeps after a large batch.
const WRITE_SCRATCH_KEPT: usize = 64 * 1024;

/// The longest client frame header: 2 bytes, a 64-bit length and the mask.
const MAX_HEADER: usize = 14;

/// Bytes of a partial frame's rest read (and zeroed beforehand) at a time.
const MAX_PARTIAL_READ: usize = 64 * 1024;

/// How long a close frame may take to go out.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

thread_local! {
    static READ_BUF: RefCell<Box<[u8]>> = RefCell::new(vec![0; READ_SCRATCH].into_boxed_slice());
    static WRITE_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Whether a websocket request's client cannot take binary frames: a non-empty `b64` parameter, as
/// engine.io reads it (`supportsBinary = !query.b64`).
pub(crate) fn wants_base64(uri: &http::Uri) -> bool {
    uri.query()
        .and_then(|q| super::query::param(q, "b64"))
        .is_some_and(|v| !v.is_empty())
}

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
    let mut res = Response::new(B::default());
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = res.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&accept_key(key.as_bytes())).ok()?,
    );
    Some(res)
}

/// Why reading a websocket ended.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed the connection.
    Eof,
    Io(io::Error),
    /// The peer broke RFC 6455; the websocket is to be closed with the error's code.
    Protocol(ProtocolError),
    /// A WebTransport stream's framing was broken (engine.io-parser's error packet: "parse error").
    #[cfg_attr(not(feature = "webtransport"), allow(dead_code))]
    Framing,
}

/// A server websocket over an upgraded connection.
pub(crate) struct WebSocket {
    io: TokioIo<Upgraded>,
    decoder: Decoder,
    /// Received bytes not decoded yet, from `unread_at` on: a partial frame, or the frames following a
    /// message already returned. Empty (unallocated) while idle.
    unread: Vec<u8>,
    unread_at: usize,
    /// Encoded bytes the socket has not taken yet, from `unwritten_at` on: the rest of a blocked write,
    /// or a pong waiting for the next write. Empty (unallocated) while idle.
    unwritten: Vec<u8>,
    unwritten_at: usize,
    /// A close frame was queued: nothing else is written.
    closing: bool,
    /// The client cannot take binary frames (`b64` in its request's query): binary messages go out as
    /// `b` + base64 text frames, as engine.io does for a transport without `supportsBinary`.
    base64: bool,
    /// The session speaks revision 3: binary messages carry their type (see [`protocol`]).
    eio3: bool,
    /// permessage-deflate was negotiated: the compressor of outgoing messages (the decoder inflates).
    compressor: Option<Box<Compressor>>,
}

impl WebSocket {
    /// A websocket over `upgraded`, refusing messages larger than `max_message` bytes, sending binary
    /// messages as base64 text if `base64`.
    pub(crate) fn new(upgraded: Upgraded, max_message: usize, base64: bool) -> WebSocket {
        WebSocket {
            io: TokioIo::new(upgraded),
            decoder: Decoder::new(max_message.max(1)),
            unread: Vec::new(),
            unread_at: 0,
            unwritten: Vec::new(),
            unwritten_at: 0,
            closing: false,
            base64,
            eio3: false,
            compressor: None,
        }
    }

    /// The websocket with permessage-deflate, if it was negotiated in its `101`.
    pub(crate) fn deflating(self, negotiated: Option<Negotiated>) -> WebSocket {
        let Some(Negotiated {
            compressor,
            inflater,
        }) = negotiated
        else {
            return self;
        };
        WebSocket {
            decoder: self.decoder.with_deflate(inflater),
            compressor: Some(Box::new(compressor)),
            ..self
        }
    }

    /// The websocket of a session speaking `protocol`.
    pub(crate) fn speaking(mut self, protocol: Protocol) -> WebSocket {
        self.eio3 = protocol.is_v3();
        self
    }

    /// The next message. A ping is returned once its pong is queued (written by the next [`send`]).
    ///
    /// [`send`]: Self::send_batch
    pub(crate) fn poll_message(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Message, ReadError>> {
        loop {
            if !self.unread.is_empty() {
                let decoded = self
                    .decoder
                    .decode(&self.unread[self.unread_at..])
                    .map_err(ReadError::Protocol)?;
                self.unread_at += decoded.consumed;
                if self.unread_at == self.unread.len() {
                    self.unread = Vec::new();
                    self.unread_at = 0;
                }
                if let Some(message) = decoded.message {
                    return Poll::Ready(Ok(self.received(message)));
                }
            }
            let message = if self.unread.is_empty() {
                ready!(READ_BUF.with_borrow_mut(|buf| self.poll_read_scratch(cx, buf)))?
            } else {
                ready!(self.poll_read_partial(cx))?;
                None
            };
            if let Some(message) = message {
                return Poll::Ready(Ok(self.received(message)));
            }
        }
    }

    /// Reads into the scratch buffer and decodes there; what follows the first message is kept.
    fn poll_read_scratch(
        &mut self,
        cx: &mut Context<'_>,
        scratch: &mut [u8],
    ) -> Poll<Result<Option<Message>, ReadError>> {
        let mut buf = ReadBuf::new(scratch);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut buf)).map_err(ReadError::Io)?;
        let read = buf.filled();
        if read.is_empty() {
            return Poll::Ready(Err(ReadError::Eof));
        }
        let decoded = self.decoder.decode(read).map_err(ReadError::Protocol)?;
        let rest = &read[decoded.consumed..];
        if !rest.is_empty() {
            self.unread = rest.to_vec();
        }
        Poll::Ready(Ok(decoded.message))
    }

    /// Reads the rest of a partial frame into `unread`, which is sized for that frame at once.
    fn poll_read_partial(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ReadError>> {
        if self.unread_at > 0 {
            self.unread.drain(..self.unread_at);
            self.unread_at = 0;
        }
        let have = self.unread.len();
        // The decoder checked the frame's length against the limit before leaving it partial.
        let need = frame_size(&self.unread).map_or(MAX_HEADER, |n| n as usize);
        let rest = need.saturating_sub(have).max(1);
        self.unread.reserve_exact(rest);
        let want = rest.min(MAX_PARTIAL_READ);
        self.unread.resize(have + want, 0);
        let mut buf = ReadBuf::new(&mut self.unread[have..]);
        let read = Pin::new(&mut self.io).poll_read(cx, &mut buf);
        let n = buf.filled().len();
        self.unread.truncate(have + n);
        ready!(read).map_err(ReadError::Io)?;
        if n == 0 {
            return Poll::Ready(Err(ReadError::Eof));
        }
        Poll::Ready(Ok(()))
    }

    /// A received message; a ping gets its pong queued.
    fn received(&mut self, message: Message) -> Message {
        if let Message::Ping(payload) = &message {
            if !self.closing {
                encode_header(&mut self.unwritten, OpCode::Pong, payload.len());
                self.unwritten.extend_from_slice(payload);
            }
        }
        message
    }

    /// Whether bytes wait to be written (a pong, or the rest of a blocked write).
    pub(crate) fn has_unwritten(&self) -> bool {
        !self.unwritten.is_empty()
    }

    /// Writes `frames` (after anything still unwritten) as one batch, with their `compress` flags for
    /// permessage-deflate. The timer bounding the write to `limit` is armed only if the socket does not
    /// take everything at once.
    pub(crate) async fn send_batch(
        &mut self,
        frames: impl IntoIterator<Item = Frame>,
        mut flags: BatchFlags,
        limit: Duration,
    ) -> io::Result<()> {
        if self.closing {
            return Ok(());
        }
        let mut frames = Some(frames);
        let (base64, eio3) = (self.base64, self.eio3);
        self.write(
            |out, mut compressor| {
                for frame in frames.take().into_iter().flatten() {
                    let start = out.len();
                    if eio3 {
                        protocol::encode_ws_frame_v3(out, frame, base64);
                    } else {
                        encode_frame(out, frame, base64);
                    }
                    if let Some(c) = compressor.as_deref_mut() {
                        c.compress_frame(out, start, flags.next_compress());
                    }
                }
            },
            limit,
        )
        .await
    }

    /// Sends a close frame (once): the status `code` and `reason`, or an empty one. Best effort,
    /// within a couple of seconds.
    pub(crate) async fn close(&mut self, code: Option<u16>, reason: &str) {
        if self.closing {
            return;
        }
        self.closing = true;
        let _ = self
            .write(|out, _| encode_close(out, code, reason), CLOSE_TIMEOUT)
            .await;
    }

    /// Encodes with `encode` and writes, as [`send_batch`](Self::send_batch) describes.
    async fn write(
        &mut self,
        encode: impl FnOnce(&mut Vec<u8>, Option<&mut Compressor>),
        limit: Duration,
    ) -> io::Result<()> {
        let mut encode = Some(encode);
        let done =
            poll_fn(|cx| Poll::Ready(self.write_now(cx, encode.take().expect("once")))).await?;
        if done {
            return Ok(());
        }
        // Boxed: a write rarely blocks, and the timer would otherwise take room in every session's task.
        match Box::pin(tokio::time::timeout(
            limit,
            poll_fn(|cx| self.poll_drain(cx)),
        ))
        .await
        {
            Ok(written) => written,
            Err(_) => Err(io::Error::new(
                ErrorKind::TimedOut,
                "websocket write timed out",
            )),
        }
    }

    /// Encodes and writes what the socket takes now; `Ok(false)` if the rest waits in `unwritten`.
    fn write_now(
        &mut self,
        cx: &mut Context<'_>,
        encode: impl FnOnce(&mut Vec<u8>, Option<&mut Compressor>),
    ) -> io::Result<bool> {
        if self.has_unwritten() {
            // Earlier bytes still wait: the new ones go behind them.
            encode(&mut self.unwritten, self.compressor.as_deref_mut());
            return match self.poll_drain(cx) {
                Poll::Ready(written) => written.map(|()| true),
                Poll::Pending => Ok(false),
            };
        }
        WRITE_BUF.with_borrow_mut(|buf| {
            buf.clear();
            encode(buf, self.compressor.as_deref_mut());
            let mut at = 0;
            let result = loop {
                if at == buf.len() {
                    break Ok(());
                }
                match Pin::new(&mut self.io).poll_write(cx, &buf[at..]) {
                    Poll::Ready(Ok(0)) => break Err(ErrorKind::WriteZero.into()),
                    Poll::Ready(Ok(n)) => at += n,
                    Poll::Ready(Err(e)) => break Err(e),
                    Poll::Pending => {
                        self.unwritten = buf[at..].to_vec();
                        break Ok(());
                    }
                }
            };
            if buf.capacity() > WRITE_SCRATCH_KEPT {
                buf.clear();
                buf.shrink_to(WRITE_SCRATCH_KEPT);
            }
            result
        })?;
        match self.poll_drain(cx) {
            Poll::Ready(written) => written.map(|()| true),
            Poll::Pending => Ok(false),
        }
    }

    /// Writes what is unwritten, then flushes the connection.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.unwritten_at < self.unwritten.len() {
            let n = ready!(
                Pin::new(&mut self.io).poll_write(cx, &self.unwritten[self.unwritten_at..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(ErrorKind::WriteZero.into()));
            }
            self.unwritten_at += n;
        }
        if !self.unwritten.is_empty() {
            self.unwritten = Vec::new();
            self.unwritten_at = 0;
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }
}

/// Appends a frame as one websocket message: text as text, binary as binary, or as a `b` + base64
/// text message for a client that cannot take binary (encoded in place, in `out`).
fn encode_frame(out: &mut Vec<u8>, frame: Frame, base64: bool) {
    let (opcode, payload): (OpCode, Bytes) = match frame {
        Frame::Text(text) => (OpCode::Text, text.into_bytes()),
        Frame::Binary(bytes) if base64 => return encode_base64_text(out, b"b", &bytes),
        Frame::Binary(bytes) => (OpCode::Binary, bytes),
    };
    encode_header(out, opcode, payload.len());
    out.extend_from_slice(&payload);
}

/// Appends binary `bytes` as one text message: `prefix` (`b`, or `b4` in revision 3) then the bytes in
/// base64, encoded in place, in `out`.
pub(crate) fn encode_base64_text(out: &mut Vec<u8>, prefix: &[u8], bytes: &[u8]) {
    let len = base64::encoded_len(bytes.len(), true).unwrap_or(0);
    encode_header(out, OpCode::Text, prefix.len() + len);
    out.extend_from_slice(prefix);
    let start = out.len();
    out.resize(start + len, 0);
    let written = STANDARD.encode_slice(bytes, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
}

/// Closes an unwanted websocket in the background (bounded by the close's own timeout).
pub(crate) fn discard(ws: WebSocket) {
    close_later(ws, None, Str::default());
}

/// Closes a websocket in the background with `code` and `reason` (bounded by the close's own timeout).
pub(crate) fn close_later(mut ws: WebSocket, code: Option<u16>, reason: Str) {
    tokio::spawn(async move {
        ws.close(code, &reason).await;
    });
}

/// The status of the close frame refusing a client's frames, as npm `ws` sends it (with an empty
/// reason): 1007 for UTF-8, 1009 for a message over the limit or a length above 2^53 - 1 (which `ws`
/// cannot represent), 1002 for any other breach of RFC 6455.
pub(crate) fn close_code(e: ProtocolError) -> u16 {
    match e {
        ProtocolError::BadLength => 1009,
        e => e.close_code(),
    }
}

/// The close reason for a failed read or write.
pub(crate) fn io_reason(e: &io::Error) -> CloseReason {
    match e.kind() {
        ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof => {
            CloseReason::TransportClose
        }
        _ => CloseReason::TransportError,
    }
}

/// The Engine.IO packet of a websocket data message; `None` for control messages. A text message
/// `b` + base64 is a binary message, as engine.io-parser reads it (what clients with `forceBase64`
/// send).
pub(crate) fn decode(message: Message) -> Option<Result<Packet, ()>> {
    match message {
        Message::Text(text) if text.as_bytes().first() == Some(&b'b') => Some(
            STANDARD
                .decode(&text.as_bytes()[1..])
                .map(|raw| Packet::Binary(Bytes::from(raw)))
                .map_err(|_| ()),
        ),
        Message::Text(text) => Some(Packet::decode_text(text).map_err(|_| ())),
        Message::Binary(bytes) => Some(Ok(Packet::Binary(bytes))),
        Message::Ping(_) | Message::Pong(_) | Message::Close(_) => None,
    }
}
