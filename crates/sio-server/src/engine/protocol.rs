//! The Engine.IO protocol revision of a session, and the framing that depends on it: revision 4, or
//! revision 3 (socket.io-client 2.x) when [`EngineConfig::allow_eio3`](super::EngineConfig::allow_eio3)
//! is on.
//!
//! Revision 3 differs in its framing (see [`sio_protocol::engine::v3`]), in the heartbeat's direction
//! (see `heartbeat`) and in the Socket.IO layer above (see the crate's `legacy` module): sessions of
//! both revisions share everything else.

use super::lossy_utf8::LossyUtf8;
use super::websocket;
use http_body::Body;
use sio_protocol::engine::v3::{self, EncodedPayload};
use sio_protocol::engine::{encode_payload, Frame, Packet};
use sio_protocol::websocket::{encode_header, Message, OpCode};

/// The revision a session speaks, with what its polling client can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// Revision 4.
    V4,
    /// Revision 3; `binary_polling` when its polling client takes binary payloads (no `b64` in the
    /// handshake's query, XHR2).
    V3 { binary_polling: bool },
}

impl Protocol {
    /// The revision a handshake asks for: `EIO=4` is 4, anything else (no `EIO` included) is 3, as in
    /// engine.io. `None` when that is 3 and revision 3 is not allowed.
    pub(crate) fn of_handshake(eio4: bool, uri: &http::Uri, allow_eio3: bool) -> Option<Protocol> {
        if eio4 {
            Some(Protocol::V4)
        } else if allow_eio3 {
            Some(Protocol::V3 {
                binary_polling: !websocket::wants_base64(uri),
            })
        } else {
            None
        }
    }

    /// The revision number (engine.io's `socket.protocol`).
    pub(crate) fn revision(self) -> u8 {
        match self {
            Protocol::V4 => sio_protocol::engine::PROTOCOL,
            Protocol::V3 { .. } => v3::PROTOCOL,
        }
    }

    pub(crate) fn is_v3(self) -> bool {
        matches!(self, Protocol::V3 { .. })
    }

    /// The polling payload of `frames`.
    pub(crate) fn encode_payload<'a, I>(self, frames: I) -> EncodedPayload
    where
        I: IntoIterator<Item = &'a Frame>,
        I::IntoIter: Clone,
    {
        match self {
            Protocol::V4 => EncodedPayload {
                bytes: encode_payload(frames),
                binary: false,
            },
            Protocol::V3 { binary_polling } => v3::encode_payload(frames, binary_polling),
        }
    }

    /// The Engine.IO packet of a websocket data message; `None` for control messages, and in
    /// revision 3 for a binary message of no known type (which engine.io ignores).
    pub(crate) fn decode_ws(self, message: Message) -> Option<Result<Packet, ()>> {
        if self == Protocol::V4 {
            return websocket::decode(message);
        }
        match message {
            Message::Text(text) => Some(v3::decode_text(text).map_err(|_| ())),
            Message::Binary(bytes) => v3::decode_binary(bytes).ok().map(Ok),
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => None,
        }
    }
}

/// Appends a frame as one revision 3 websocket message: text as text; binary with its type byte `4`
/// first, or as a `b4` + base64 text message for a client that cannot take binary.
pub(crate) fn encode_ws_frame_v3(out: &mut Vec<u8>, frame: Frame, base64: bool) {
    match frame {
        Frame::Text(text) => {
            encode_header(out, OpCode::Text, text.len());
            out.extend_from_slice(text.as_bytes());
        }
        Frame::Binary(bytes) if base64 => websocket::encode_base64_text(out, b"b4", &bytes),
        Frame::Binary(bytes) => {
            encode_header(out, OpCode::Binary, 1 + bytes.len());
            out.push(4);
            out.extend_from_slice(&bytes);
        }
    }
}

/// Why a polling POST could not be read.
pub(crate) enum BodyError {
    /// Past `maxHttpBufferSize`.
    TooLarge,
    /// The body broke off.
    Aborted,
}

/// Reads and decodes a revision 3 POST body, binary if `binary` (sent as `application/octet-stream`),
/// else as text with invalid UTF-8 read as U+FFFD (as engine.io reads it), refusing it as soon as it
/// passes `max` bytes. The packets before a part that does not decode are kept, and `true` tells
/// that one did not, as engine.io-parser 2 delivers them before its error.
pub(crate) async fn read_v3_body<B>(
    body: B,
    max: usize,
    binary: bool,
) -> Result<(Vec<Packet>, bool), BodyError>
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    use bytes::Buf;
    use http_body_util::BodyExt;
    let mut body = std::pin::pin!(body);
    let mut decoder = v3::PayloadDecoder::new(max, binary);
    let mut text = (!binary).then(LossyUtf8::default);
    let mut packets = Vec::new();
    let mut parse_error = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyError::Aborted)?;
        let Ok(mut data) = frame.into_data() else {
            continue;
        };
        while data.has_remaining() {
            let chunk = data.chunk();
            let n = chunk.len();
            let mut push = |b: &[u8]| decoder.push(b).map_err(|_| BodyError::TooLarge);
            match &mut text {
                Some(text) => text.push(chunk, &mut push)?,
                None => push(chunk)?,
            }
            data.advance(n);
        }
        while let Some(p) = decoder.next_packet() {
            match p {
                Ok(p) => packets.push(p),
                Err(_) => parse_error = true,
            }
        }
    }
    if let Some(text) = text {
        text.finish(&mut |b| decoder.push(b).map_err(|_| BodyError::TooLarge))?;
        while let Some(p) = decoder.next_packet() {
            match p {
                Ok(p) => packets.push(p),
                Err(_) => parse_error = true,
            }
        }
    }
    parse_error |= decoder.finish().is_err();
    Ok((packets, parse_error))
}

/// The `Content-Type` of a polling answer carrying `payload`.
pub(crate) fn content_type(payload: &EncodedPayload) -> &'static str {
    if payload.binary {
        "application/octet-stream"
    } else {
        "text/plain; charset=UTF-8"
    }
}
