//! The msgpack parser, byte-compatible with npm `socket.io-msgpack-parser` 3.x (which uses `notepack.io`).

mod read;
mod write;

use super::assemble::assemble;
use super::{DecodeError, Decoder, EncodeError, Encoded, Limits, Parser};
use crate::engine::{Frame, Packet as EnginePacket};
use crate::socket::{Packet, PacketData, PacketType};
use crate::value::js_string;
use crate::Value;
use bytes::Bytes;
use read::{Item, Reader, Scratch};
use write::{write_array_len, write_map_len, write_str, write_text, write_uint, write_value};

/// The msgpack Socket.IO parser: each packet is one binary frame holding the msgpack map
/// `{type, data, id, nsp}`, binary inline as msgpack `bin`.
///
/// Keys are written in the order the official server builds its packets (`{id, type, data, nsp}` for an
/// ack, `{type, data, id, nsp}` otherwise), so frames are byte-identical to what it sends; any key order is
/// accepted. `BINARY_EVENT` and `BINARY_ACK` do not exist here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MsgPackParser {
    limits: Limits,
}

impl MsgPackParser {
    /// A parser with the default [`Limits`].
    pub fn new() -> Self {
        MsgPackParser::default()
    }

    /// A parser whose decoders enforce `limits` (`max_attachments` does not apply).
    pub fn with_limits(limits: Limits) -> Self {
        MsgPackParser { limits }
    }

    /// The limits its decoders enforce.
    pub fn limits(&self) -> Limits {
        self.limits
    }
}

impl Parser for MsgPackParser {
    fn encode(&self, packet: &Packet) -> Result<Encoded, EncodeError> {
        if !packet.nsp.starts_with('/') {
            return Err(EncodeError::InvalidNamespace(packet.nsp.clone()));
        }
        Ok(Encoded {
            frames: vec![Frame::Binary(encode(packet))],
        })
    }

    fn decoder(&self) -> Box<dyn Decoder> {
        Box::new(MsgPackDecoder::new(self.limits))
    }
}

fn encode(packet: &Packet) -> Bytes {
    let mut out = Vec::with_capacity(64);
    let kind = |out: &mut Vec<u8>, t: PacketType| {
        write_str(out, "type");
        write_uint(out, t.as_u8().into());
    };
    match &packet.data {
        PacketData::Connect(auth) => {
            write_map_len(&mut out, if auth.is_some() { 3 } else { 2 });
            kind(&mut out, PacketType::Connect);
            if let Some(auth) = auth {
                write_str(&mut out, "data");
                write_value(&mut out, auth);
            }
        }
        PacketData::Disconnect => {
            write_map_len(&mut out, 2);
            kind(&mut out, PacketType::Disconnect);
        }
        PacketData::Event { event, args, id } => {
            write_map_len(&mut out, if id.is_some() { 4 } else { 3 });
            kind(&mut out, PacketType::Event);
            write_str(&mut out, "data");
            // The array header for `[event, ...args]`, written without building that array.
            write_array_len(&mut out, args.len() + 1);
            write_str(&mut out, event);
            for arg in args {
                write_value(&mut out, arg);
            }
            if let Some(id) = id {
                write_str(&mut out, "id");
                write_uint(&mut out, *id);
            }
        }
        PacketData::Ack { args, id } => {
            write_map_len(&mut out, 4);
            write_str(&mut out, "id");
            write_uint(&mut out, *id);
            kind(&mut out, PacketType::Ack);
            write_str(&mut out, "data");
            write_array_len(&mut out, args.len());
            for arg in args {
                write_value(&mut out, arg);
            }
        }
        PacketData::ConnectError(v) => {
            write_map_len(&mut out, 3);
            kind(&mut out, PacketType::ConnectError);
            write_str(&mut out, "data");
            write_value(&mut out, v);
        }
    }
    write_str(&mut out, "nsp");
    // A namespace is Rust text, not a value string: written as it is.
    write_text(&mut out, &packet.nsp);
    Bytes::from(out)
}

/// The msgpack parser's decoder: every binary frame is one whole packet.
#[derive(Debug, Clone)]
pub struct MsgPackDecoder {
    limits: Limits,
    scratch: Scratch,
}

impl MsgPackDecoder {
    /// A decoder enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        MsgPackDecoder {
            limits,
            scratch: Scratch::default(),
        }
    }
}

impl Decoder for MsgPackDecoder {
    fn decode(&mut self, message: EnginePacket) -> Result<Option<Packet>, DecodeError> {
        let EnginePacket::Binary(bytes) = message else {
            tracing::debug!("non-binary message given to the msgpack decoder");
            return Err(DecodeError::UnexpectedFrame);
        };
        if bytes.len() > self.limits.max_packet_size {
            tracing::debug!(len = bytes.len(), "msgpack socket.io packet too large");
            return Err(DecodeError::TooLarge {
                limit: self.limits.max_packet_size,
            });
        }
        let result = decode(
            &bytes,
            self.limits.max_depth.min(Limits::MAX_DEPTH),
            &mut self.scratch,
        );
        if let Err(error) = &result {
            tracing::debug!(%error, len = bytes.len(), "msgpack socket.io packet rejected");
        }
        result.map(Some)
    }
}

/// Decodes one packet frame; `max_depth` bounds the data (the envelope map does not count).
fn decode(bytes: &Bytes, max_depth: usize, scratch: &mut Scratch) -> Result<Packet, DecodeError> {
    let mut reader = Reader::new(bytes, max_depth);
    let envelope = match reader.item(max_depth + 1, scratch)? {
        Item::Value(Value::Object(map)) => map,
        _ => return Err(DecodeError::UnknownType),
    };
    if !reader.at_end() {
        return Err(DecodeError::InvalidPayload);
    }
    let kind = envelope
        .get("type")
        .and_then(integer)
        .and_then(|t| u8::try_from(t).ok())
        .and_then(PacketType::from_u8)
        .filter(|t| t.as_u8() <= PacketType::ConnectError.as_u8())
        .ok_or(DecodeError::UnknownType)?;
    let mut envelope = envelope;
    let nsp = match envelope.shift_remove("nsp") {
        // Back from the value string form to the text (the same unless it holds U+10FFFF and the like).
        Some(Value::String(nsp)) => js_string::into_text_lossy(nsp),
        _ => return Err(DecodeError::InvalidNamespace),
    };
    let id = match envelope.get("id") {
        None => None,
        Some(v) => Some(
            integer(v)
                .and_then(|i| u64::try_from(i).ok())
                .ok_or(DecodeError::InvalidAckId)?,
        ),
    };
    let data = envelope.shift_remove("data");
    assemble(kind, nsp, id, data)
}

/// The value as an integer, if it is one (JavaScript integers may arrive as floats).
fn integer(v: &Value) -> Option<i128> {
    let Value::Number(n) = v else { return None };
    if let Some(u) = n.as_u64() {
        return Some(u.into());
    }
    if let Some(i) = n.as_i64() {
        return Some(i.into());
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 1.8e19).then_some(f as i128)
}

/// Encodes one value as `notepack.io` does.
pub(crate) fn encode_value(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value);
    out
}

/// Decodes one whole msgpack value (nothing may follow it); `undefined` reads as `null`.
pub(crate) fn decode_value(bytes: &Bytes, max_depth: usize) -> Result<Value, DecodeError> {
    let max_depth = max_depth.min(Limits::MAX_DEPTH);
    let mut reader = Reader::new(bytes, max_depth);
    let value = match reader.item(max_depth + 1, &mut Scratch::default())? {
        Item::Value(v) => v,
        Item::Undefined => Value::Null,
    };
    if !reader.at_end() {
        return Err(DecodeError::InvalidPayload);
    }
    Ok(value)
}
