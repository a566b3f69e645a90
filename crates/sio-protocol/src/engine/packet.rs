//! Engine.IO packets and the frames that carry them.

use super::DecodeError;
use crate::Str;
use bytes::Bytes;

/// The seven Engine.IO packet types, numbered as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// `0`: the handshake.
    Open,
    /// `1`: close the session.
    Close,
    /// `2`: heartbeat request (or upgrade probe).
    Ping,
    /// `3`: heartbeat answer (or probe answer).
    Pong,
    /// `4`: application data.
    Message,
    /// `5`: the upgrade to another transport is complete.
    Upgrade,
    /// `6`: no operation (flushes a pending poll during upgrade).
    Noop,
}

impl PacketType {
    /// The wire character of this type.
    pub const fn as_char(self) -> char {
        (b'0' + self as u8) as char
    }

    /// The type of a wire character.
    pub fn from_char(c: char) -> Result<Self, DecodeError> {
        Ok(match c {
            '0' => Self::Open,
            '1' => Self::Close,
            '2' => Self::Ping,
            '3' => Self::Pong,
            '4' => Self::Message,
            '5' => Self::Upgrade,
            '6' => Self::Noop,
            other => return Err(DecodeError::UnknownType(other)),
        })
    }
}

/// A decoded Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0` + handshake JSON.
    Open(Str),
    /// `1`.
    Close,
    /// `2` + optional data (`probe` during an upgrade).
    Ping(Str),
    /// `3` + optional data.
    Pong(Str),
    /// `4` + text data.
    Message(Str),
    /// A binary message: a binary websocket frame, or `b` + base64 in a polling payload.
    Binary(Bytes),
    /// `5`.
    Upgrade,
    /// `6`.
    Noop,
}

impl Packet {
    /// The packet's type (`Message` for binary messages).
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Open(_) => PacketType::Open,
            Packet::Close => PacketType::Close,
            Packet::Ping(_) => PacketType::Ping,
            Packet::Pong(_) => PacketType::Pong,
            Packet::Message(_) | Packet::Binary(_) => PacketType::Message,
            Packet::Upgrade => PacketType::Upgrade,
            Packet::Noop => PacketType::Noop,
        }
    }

    /// Decodes a text packet (a text websocket frame, or one text packet of a polling payload).
    pub fn decode_text(text: Str) -> Result<Packet, DecodeError> {
        // Every type character is ASCII: the first byte decides, without validating the whole text
        // again (the error, a cold path, names the first char).
        let first = text.first_byte().ok_or(DecodeError::Empty)?;
        let kind = match PacketType::from_char(first as char) {
            Ok(kind) => kind,
            Err(_) => {
                let c = text.chars().next().unwrap_or(first as char);
                return Err(DecodeError::UnknownType(c));
            }
        };
        // Every type character is ASCII, so byte 1 is a char boundary.
        let data = text.into_slice_from(1).unwrap_or_default();
        Ok(match kind {
            PacketType::Open => Packet::Open(data),
            PacketType::Close => Packet::Close,
            PacketType::Ping => Packet::Ping(data),
            PacketType::Pong => Packet::Pong(data),
            PacketType::Message => Packet::Message(data),
            PacketType::Upgrade => Packet::Upgrade,
            PacketType::Noop => Packet::Noop,
        })
    }

    /// Decodes text packet bytes, checking that they are UTF-8.
    pub fn decode_text_bytes(bytes: Bytes) -> Result<Packet, DecodeError> {
        Self::decode_text(Str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8)?)
    }

    /// Encodes this packet as the frame that carries it.
    pub fn encode(&self) -> Frame {
        let (kind, data) = match self {
            Packet::Binary(b) => return Frame::Binary(b.clone()),
            Packet::Open(d) | Packet::Ping(d) | Packet::Pong(d) | Packet::Message(d) => {
                (self.packet_type(), d.as_str())
            }
            _ => (self.packet_type(), ""),
        };
        Frame::text(kind, data)
    }
}

/// A packet as it goes on the wire: one websocket frame, or one part of a polling payload.
///
/// A frame is encoded once and can be cloned for every recipient at the cost of a reference count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A whole text packet, type character first (`4hello`).
    Text(Str),
    /// The raw bytes of a binary message.
    Binary(Bytes),
}

impl Frame {
    /// A text frame of `kind` followed by `data`.
    pub fn text(kind: PacketType, data: &str) -> Frame {
        let mut text = String::with_capacity(1 + data.len());
        text.push(kind.as_char());
        text.push_str(data);
        Frame::Text(Str::from(text))
    }

    /// A `4` message frame around text that does not yet carry the type character.
    pub fn message(data: &str) -> Frame {
        Frame::text(PacketType::Message, data)
    }

    /// Decodes the packet this frame carries.
    pub fn decode(&self) -> Result<Packet, DecodeError> {
        match self {
            Frame::Text(t) => Packet::decode_text(t.clone()),
            Frame::Binary(b) => Ok(Packet::Binary(b.clone())),
        }
    }

    /// How many bytes the frame carries.
    pub fn len(&self) -> usize {
        match self {
            Frame::Text(t) => t.len(),
            Frame::Binary(b) => b.len(),
        }
    }

    /// Whether the frame carries no bytes (never true for a well-formed frame).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_text_form_of_the_protocol() {
        let cases: &[(&str, Packet)] = &[
            ("0{\"sid\":\"x\"}", Packet::Open("{\"sid\":\"x\"}".into())),
            ("1", Packet::Close),
            ("2", Packet::Ping("".into())),
            ("2probe", Packet::Ping("probe".into())),
            ("3probe", Packet::Pong("probe".into())),
            ("4hello", Packet::Message("hello".into())),
            ("4", Packet::Message("".into())),
            ("5", Packet::Upgrade),
            ("6", Packet::Noop),
        ];
        for (wire, packet) in cases {
            assert_eq!(
                &Packet::decode_text((*wire).into()).unwrap(),
                packet,
                "{wire}"
            );
            assert_eq!(packet.encode(), Frame::Text((*wire).into()), "{wire}");
        }
    }

    #[test]
    fn rejects_bad_text() {
        assert_eq!(Packet::decode_text("".into()), Err(DecodeError::Empty));
        assert_eq!(
            Packet::decode_text("7".into()),
            Err(DecodeError::UnknownType('7'))
        );
        assert_eq!(
            Packet::decode_text("é".into()),
            Err(DecodeError::UnknownType('é'))
        );
        assert_eq!(
            Packet::decode_text_bytes(Bytes::from_static(&[b'4', 0xff])),
            Err(DecodeError::InvalidUtf8)
        );
    }

    #[test]
    fn binary_messages_are_raw_frames() {
        let p = Packet::Binary(Bytes::from_static(&[1, 2, 3]));
        assert_eq!(p.encode(), Frame::Binary(Bytes::from_static(&[1, 2, 3])));
        assert_eq!(p.encode().decode().unwrap(), p);
    }
}
