//! Revision 3 packets: a text packet is as in revision 4 unless it is `b<type><base64>`; a binary
//! packet starts with its type as a byte (`4` for a message).

use crate::engine::{DecodeError, Packet, PacketType};
use crate::Str;
use base64::{engine::general_purpose::STANDARD, Engine as _};
use bytes::Bytes;

/// Decodes a text packet (a text websocket frame, or one packet of a payload): `b<type><base64>` is a
/// binary packet, anything else a text packet as in revision 4.
pub fn decode_text(text: Str) -> Result<Packet, DecodeError> {
    if text.first_byte() != Some(b'b') {
        return Packet::decode_text(text);
    }
    let kind = match text.as_bytes().get(1) {
        None => return Err(DecodeError::Empty),
        Some(&b) if b.is_ascii() => PacketType::from_char(b as char)?,
        Some(_) => {
            let c = text.chars().nth(1).unwrap_or(char::REPLACEMENT_CHARACTER);
            return Err(DecodeError::UnknownType(c));
        }
    };
    let raw = STANDARD
        .decode(&text.as_bytes()[2..])
        .map_err(|_| DecodeError::InvalidBase64)?;
    Ok(with_binary_data(kind, Bytes::from(raw)))
}

/// Decodes a binary packet (a binary websocket frame, or a binary packet of a binary payload): the
/// first byte is the type (`0`..`6` as numbers), the rest the data.
pub fn decode_binary(bytes: Bytes) -> Result<Packet, DecodeError> {
    let first = *bytes.first().ok_or(DecodeError::Empty)?;
    let kind = match first {
        0..=6 => PacketType::from_char((b'0' + first) as char)?,
        other => return Err(DecodeError::UnknownType(char::from(other))),
    };
    Ok(with_binary_data(kind, bytes.slice(1..)))
}

/// A packet of `kind` carrying binary data: a binary message, or another packet whose binary data means
/// nothing to the session (engine.io answers a binary ping with a plain pong).
fn with_binary_data(kind: PacketType, data: Bytes) -> Packet {
    match kind {
        PacketType::Message => Packet::Binary(data),
        PacketType::Open => Packet::Open(Str::default()),
        PacketType::Close => Packet::Close,
        PacketType::Ping => Packet::Ping(Str::default()),
        PacketType::Pong => Packet::Pong(Str::default()),
        PacketType::Upgrade => Packet::Upgrade,
        PacketType::Noop => Packet::Noop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_packets_are_read_as_in_revision_4() {
        assert_eq!(decode_text("2".into()), Ok(Packet::Ping("".into())));
        assert_eq!(
            decode_text("2probe".into()),
            Ok(Packet::Ping("probe".into()))
        );
        assert_eq!(decode_text("4hé".into()), Ok(Packet::Message("hé".into())));
        assert_eq!(decode_text("".into()), Err(DecodeError::Empty));
        assert_eq!(decode_text("9".into()), Err(DecodeError::UnknownType('9')));
    }

    #[test]
    fn base64_packets_carry_their_type() {
        assert_eq!(
            decode_text("b4AQID".into()),
            Ok(Packet::Binary(Bytes::from_static(&[1, 2, 3])))
        );
        assert_eq!(decode_text("b4".into()), Ok(Packet::Binary(Bytes::new())));
        assert_eq!(decode_text("b2AQ==".into()), Ok(Packet::Ping("".into())));
        assert_eq!(decode_text("b".into()), Err(DecodeError::Empty));
        assert_eq!(
            decode_text("b9AQ==".into()),
            Err(DecodeError::UnknownType('9'))
        );
        assert_eq!(decode_text("bé".into()), Err(DecodeError::UnknownType('é')));
        assert_eq!(decode_text("b4!!".into()), Err(DecodeError::InvalidBase64));
    }

    #[test]
    fn binary_packets_start_with_a_type_byte() {
        assert_eq!(
            decode_binary(Bytes::from_static(&[4, 1, 2])),
            Ok(Packet::Binary(Bytes::from_static(&[1, 2])))
        );
        assert_eq!(
            decode_binary(Bytes::from_static(&[4])),
            Ok(Packet::Binary(Bytes::new()))
        );
        assert_eq!(decode_binary(Bytes::from_static(&[1])), Ok(Packet::Close));
        assert_eq!(decode_binary(Bytes::new()), Err(DecodeError::Empty));
        assert_eq!(
            decode_binary(Bytes::from_static(b"4")),
            Err(DecodeError::UnknownType('4'))
        );
    }
}
