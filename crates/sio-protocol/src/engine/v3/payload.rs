//! Encoding revision 3 polling payloads: length-prefixed text, or the binary payload of XHR2 clients.

use crate::engine::Frame;
use base64::{engine::general_purpose::STANDARD, Engine as _};
use bytes::{BufMut, Bytes, BytesMut};

/// The end of a length in a binary payload.
pub(super) const LENGTH_END: u8 = 255;

/// A polling payload and its kind, which sets the answer's `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPayload {
    /// The body.
    pub bytes: Bytes,
    /// A binary payload (`application/octet-stream`), else text (`text/plain; charset=UTF-8`).
    pub binary: bool,
}

/// Encodes frames as one payload: binary when `supports_binary` and a frame is binary (engine.io's
/// `encodePayloadAsBinary`), else text with binary frames as `b4<base64>` (its `encodePayload`).
pub fn encode_payload<'a, I>(frames: I, supports_binary: bool) -> EncodedPayload
where
    I: IntoIterator<Item = &'a Frame>,
    I::IntoIter: Clone,
{
    let frames = frames.into_iter();
    if supports_binary && frames.clone().any(|f| matches!(f, Frame::Binary(_))) {
        EncodedPayload {
            bytes: encode_binary(frames),
            binary: true,
        }
    } else {
        EncodedPayload {
            bytes: encode_text(frames),
            binary: false,
        }
    }
}

/// `<length>:<packet>` for each frame, the length in UTF-16 code units (JavaScript's `length`); `0:`
/// when there is none.
fn encode_text<'a>(frames: impl Iterator<Item = &'a Frame> + Clone) -> Bytes {
    let size: usize = frames
        .clone()
        .map(|f| match f {
            Frame::Text(t) => 21 + t.len(),
            Frame::Binary(b) => 24 + base64_len(b.len()),
        })
        .sum();
    let mut out = BytesMut::with_capacity(size.max(2));
    let mut empty = true;
    for frame in frames {
        empty = false;
        match frame {
            Frame::Text(t) => {
                put_decimal(&mut out, utf16_len(t.as_bytes()));
                out.put_u8(b':');
                out.extend_from_slice(t.as_bytes());
            }
            Frame::Binary(b) => {
                put_decimal(&mut out, 2 + base64_len(b.len()));
                out.extend_from_slice(b":b4");
                put_base64(&mut out, b);
            }
        }
    }
    if empty {
        out.extend_from_slice(b"0:");
    }
    out.freeze()
}

/// Per frame: `0` for text or `1` for binary, the length's decimal digits one per byte, `255`, then the
/// packet: the text's UTF-8 bytes, or the type byte `4` and the data.
fn encode_binary<'a>(frames: impl Iterator<Item = &'a Frame> + Clone) -> Bytes {
    let size: usize = frames.clone().map(|f| 24 + f.len()).sum();
    let mut out = BytesMut::with_capacity(size);
    for frame in frames {
        match frame {
            Frame::Text(t) => {
                out.put_u8(0);
                put_digit_bytes(&mut out, t.len());
                out.put_u8(LENGTH_END);
                out.extend_from_slice(t.as_bytes());
            }
            Frame::Binary(b) => {
                out.put_u8(1);
                put_digit_bytes(&mut out, 1 + b.len());
                out.put_u8(LENGTH_END);
                out.put_u8(4);
                out.extend_from_slice(b);
            }
        }
    }
    out.freeze()
}

/// The length of UTF-8 text in UTF-16 code units: one per char, two for a char outside the BMP.
pub(super) fn utf16_len(utf8: &[u8]) -> usize {
    utf8.iter()
        .map(|&b| match b {
            0x80..=0xbf => 0,
            0xf0..=0xff => 2,
            _ => 1,
        })
        .sum()
}

fn base64_len(n: usize) -> usize {
    base64::encoded_len(n, true).unwrap_or(0)
}

fn put_decimal(out: &mut BytesMut, n: usize) {
    out.extend_from_slice(n.to_string().as_bytes());
}

fn put_digit_bytes(out: &mut BytesMut, n: usize) {
    out.extend(n.to_string().bytes().map(|d| d - b'0'));
}

fn put_base64(out: &mut BytesMut, data: &[u8]) {
    let start = out.len();
    out.resize(start + base64_len(data.len()), 0);
    let written = STANDARD.encode_slice(data, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Packet, PacketType};

    fn text(s: &str) -> Frame {
        Frame::Text(s.into())
    }

    #[test]
    fn encodes_the_protocol_examples() {
        let open = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000}"#;
        let payload = encode_payload(&[text(open)], true);
        assert!(!payload.binary);
        assert_eq!(&payload.bytes[..], format!("96:{open}").as_bytes());
        let two = [Packet::Message("hello".into()).encode(), text("4world")];
        assert_eq!(&encode_payload(&two, true).bytes[..], b"6:4hello6:4world");
        assert_eq!(&encode_payload(&[], false).bytes[..], b"0:");
    }

    #[test]
    fn lengths_count_utf16_code_units() {
        // "é" is one unit in two bytes, "€" one in three, "😀" two in four.
        let payload = encode_payload(&[text("4é€😀")], false);
        assert_eq!(&payload.bytes[..], "5:4é€😀".as_bytes());
        assert_eq!(utf16_len("a😀".as_bytes()), 3);
    }

    #[test]
    fn binary_goes_as_base64_without_xhr2() {
        let frames = [
            text("451-[\"x\"]"),
            Frame::Binary(Bytes::from_static(&[1, 2, 3])),
        ];
        let payload = encode_payload(&frames, false);
        assert!(!payload.binary);
        assert_eq!(&payload.bytes[..], b"9:451-[\"x\"]6:b4AQID");
    }

    #[test]
    fn binary_payload_with_xhr2() {
        let frames = [
            Frame::text(PacketType::Message, "é"),
            Frame::Binary(Bytes::from(vec![7; 10])),
        ];
        let payload = encode_payload(&frames, true);
        assert!(payload.binary);
        let mut want = vec![0, 3, 255, b'4', 0xc3, 0xa9, 1, 1, 1, 255, 4];
        want.extend([7; 10]);
        assert_eq!(&payload.bytes[..], &want[..]);
        // Text only: a text payload even for a binary-capable client.
        assert!(!encode_payload(&[text("4a")], true).binary);
    }
}
