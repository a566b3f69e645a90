//! Decodes `<type>[<attachments>-][<nsp>,][<id>][JSON]` messages and reassembles binary attachments.

use super::json_read;
use crate::engine::Packet as EnginePacket;
use crate::parser::assemble::assemble;
use crate::parser::{DecodeError, Decoder, Limits, RESERVED_EVENTS};
use crate::socket::{Packet, PacketType};
use crate::Value;
use bytes::Bytes;

/// The default parser's decoder for one connection.
///
/// It takes decoded Engine.IO messages: the text of a message (after the Engine.IO `4`), and binary
/// messages, the raw attachments that follow a `BINARY_EVENT`/`BINARY_ACK`.
#[derive(Debug)]
pub struct DefaultDecoder {
    limits: Limits,
    /// Boxed: rare (a binary packet between its frames), and the decoder lives as long as its connection.
    pending: Option<Box<Pending>>,
    scratch: json_read::Scratch,
}

/// A binary packet waiting for its attachments.
#[derive(Debug)]
struct Pending {
    header: Header,
    data: Value,
    expected: usize,
    attachments: Vec<Bytes>,
    size: usize,
}

/// The parts of a packet's text before its JSON.
#[derive(Debug)]
struct Header {
    kind: PacketType,
    attachments: usize,
    nsp: String,
    id: Option<u64>,
}

impl DefaultDecoder {
    /// A decoder enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        DefaultDecoder {
            limits,
            pending: None,
            scratch: json_read::Scratch::default(),
        }
    }

    /// Whether a binary packet is waiting for attachments.
    pub fn is_reassembling(&self) -> bool {
        self.pending.is_some()
    }

    fn decode_text(&mut self, text: &str) -> Result<Option<Packet>, DecodeError> {
        if self.pending.is_some() {
            return Err(DecodeError::UnexpectedFrame);
        }
        // The limit counts the whole text frame, Engine.IO `4` included.
        let frame_len = text.len().saturating_add(1);
        if frame_len > self.limits.max_packet_size {
            return Err(DecodeError::TooLarge {
                limit: self.limits.max_packet_size,
            });
        }
        let (header, json) = parse_header(text, &self.limits)?;
        let data = if json.is_empty() {
            None
        } else {
            Some(json_read::parse_with(
                json,
                self.limits.max_depth.min(Limits::MAX_DEPTH),
                &mut self.scratch,
            )?)
        };
        if header.attachments == 0 {
            return assemble(header.kind, header.nsp, header.id, data).map(Some);
        }
        // Check the shape now, as the official decoder does before waiting for attachments.
        let data = match data {
            Some(v @ Value::Array(_)) => v,
            _ => return Err(DecodeError::InvalidShape),
        };
        if header.kind == PacketType::BinaryEvent {
            match data.as_array().and_then(|a| a.first()) {
                Some(Value::String(name)) if RESERVED_EVENTS.contains(&name.as_str()) => {
                    return Err(DecodeError::ReservedEvent(name.clone()))
                }
                Some(Value::String(_) | Value::Number(_)) => {}
                _ => return Err(DecodeError::InvalidShape),
            }
        }
        self.pending = Some(Box::new(Pending {
            expected: header.attachments,
            header,
            data,
            attachments: Vec::new(),
            size: frame_len,
        }));
        Ok(None)
    }

    fn decode_binary(&mut self, bytes: Bytes) -> Result<Option<Packet>, DecodeError> {
        let pending = self.pending.as_mut().ok_or(DecodeError::UnexpectedFrame)?;
        pending.size = pending.size.saturating_add(bytes.len());
        if pending.size > self.limits.max_packet_size {
            self.pending = None;
            return Err(DecodeError::TooLarge {
                limit: self.limits.max_packet_size,
            });
        }
        pending.attachments.push(bytes);
        if pending.attachments.len() < pending.expected {
            return Ok(None);
        }
        let Some(Pending {
            header,
            mut data,
            attachments,
            size: pending_size,
            ..
        }) = self.pending.take().map(|pending| *pending)
        else {
            return Err(DecodeError::UnexpectedFrame);
        };
        // What the packet holds once its placeholders are filled: a placeholder may be reused, as the
        // official decoder allows, and every reference is one binary value, one frame when the packet is
        // sent on (Node re-sends one per reference). The limits hold for that, so that a decoded packet
        // never re-encodes into more attachments, or more attachment bytes, than a peer may send.
        let mut filled = Filled {
            references: 0,
            size: pending_size,
            seen: vec![false; attachments.len()],
        };
        fill_placeholders(&mut data, &attachments, &mut filled, &self.limits)?;
        assemble(header.kind, header.nsp, header.id, Some(data)).map(Some)
    }
}

impl Decoder for DefaultDecoder {
    fn decode(&mut self, message: EnginePacket) -> Result<Option<Packet>, DecodeError> {
        let result = match message {
            EnginePacket::Message(text) => self.decode_text(&text),
            EnginePacket::Binary(bytes) => self.decode_binary(bytes),
            _ => Err(DecodeError::UnexpectedFrame),
        };
        if let Err(error) = &result {
            tracing::debug!(%error, "socket.io packet rejected");
            self.pending = None;
        }
        result
    }
}

/// Splits the text of a message (after the Engine.IO `4`) into its header and its JSON.
fn parse_header<'a>(text: &'a str, limits: &Limits) -> Result<(Header, &'a str), DecodeError> {
    let bytes = text.as_bytes();
    let kind = match bytes.first() {
        Some(c @ b'0'..=b'9') => PacketType::from_u8(c - b'0').ok_or(DecodeError::UnknownType)?,
        _ => return Err(DecodeError::UnknownType),
    };
    let mut i = 1;

    let mut attachments = 0;
    if matches!(kind, PacketType::BinaryEvent | PacketType::BinaryAck) {
        let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || bytes.get(i + digits) != Some(&b'-') {
            return Err(DecodeError::InvalidAttachmentCount);
        }
        // More digits than usize holds is certainly above the limit.
        let n = text[i..i + digits].parse::<usize>().unwrap_or(usize::MAX);
        if n == 0 {
            return Err(DecodeError::InvalidAttachmentCount);
        }
        if n > limits.max_attachments {
            return Err(DecodeError::TooManyAttachments {
                limit: limits.max_attachments,
            });
        }
        attachments = n;
        i += digits + 1;
    }

    let mut nsp = String::from("/");
    if bytes.get(i) == Some(&b'/') {
        let len = bytes[i..]
            .iter()
            .position(|&b| b == b',')
            .unwrap_or(bytes.len() - i);
        nsp = text[i..i + len].to_string();
        i += len;
        if bytes.get(i) == Some(&b',') {
            i += 1;
        }
    }

    let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let id = if digits > 0 {
        let id = text[i..i + digits]
            .parse::<u64>()
            .map_err(|_| DecodeError::InvalidAckId)?;
        i += digits;
        Some(id)
    } else {
        None
    };

    let header = Header {
        kind,
        attachments,
        nsp,
        id,
    };
    Ok((header, &text[i..]))
}

/// What filling the placeholders of a packet has taken so far.
struct Filled {
    /// Placeholders replaced.
    references: usize,
    /// Bytes of the packet: its text, every attachment received, and an attachment's bytes again for
    /// each further reference to it.
    size: usize,
    /// Which attachments have been referenced.
    seen: Vec<bool>,
}

/// Replaces every `{"_placeholder":true,"num":N}` with attachment `N`, refusing more references than
/// `max_attachments` and a packet that grows past `max_packet_size` through reused attachments. It
/// recurses once per level, which the depth limit bounds.
fn fill_placeholders(
    value: &mut Value,
    attachments: &[Bytes],
    filled: &mut Filled,
    limits: &Limits,
) -> Result<(), DecodeError> {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|v| fill_placeholders(v, attachments, filled, limits)),
        Value::Object(map) if map.get("_placeholder") == Some(&Value::Bool(true)) => {
            let num = map
                .get("num")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .filter(|&n| n < attachments.len())
                .ok_or(DecodeError::InvalidPlaceholder)?;
            filled.references += 1;
            if filled.references > limits.max_attachments {
                return Err(DecodeError::TooManyAttachments {
                    limit: limits.max_attachments,
                });
            }
            let bytes = &attachments[num];
            if std::mem::replace(&mut filled.seen[num], true) {
                filled.size = filled.size.saturating_add(bytes.len());
                if filled.size > limits.max_packet_size {
                    return Err(DecodeError::TooLarge {
                        limit: limits.max_packet_size,
                    });
                }
            }
            *value = Value::Binary(bytes.clone());
            Ok(())
        }
        Value::Object(map) => map
            .values_mut()
            .try_for_each(|v| fill_placeholders(v, attachments, filled, limits)),
        _ => Ok(()),
    }
}
