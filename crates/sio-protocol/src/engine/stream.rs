//! The framing of Engine.IO packets on a byte stream, as engine.io-parser's
//! `createPacketEncoderStream` / `createPacketDecoderStream` write and read it over WebTransport.
//!
//! Each packet is a header then its bytes. The header is one byte whose high bit says binary (1) or
//! text (0) and whose low 7 bits are the length when under 126; 126 means a 16-bit length follows,
//! 127 a 64-bit one (big-endian), as in a websocket frame. A text packet is its type character and
//! data in UTF-8 (`4hello`), a binary packet its raw bytes. A packet of length 0 or over the limit is
//! refused (engine.io-parser then yields its error packet, and the session ends with "parse error").

use super::Frame;
use crate::Str;
use bytes::{Buf, Bytes, BytesMut};

/// Appends `frame` with its header to `out`.
pub fn encode_stream_frame(out: &mut Vec<u8>, frame: &Frame) {
    let (binary, payload): (bool, &[u8]) = match frame {
        Frame::Text(text) => (false, text.as_bytes()),
        Frame::Binary(bytes) => (true, bytes),
    };
    let len = payload.len();
    let flag = if binary { 0x80 } else { 0 };
    if len < 126 {
        out.push(flag | len as u8);
    } else if len < 65_536 {
        out.push(flag | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(flag | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(payload);
}

/// Why a stream's bytes were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// A packet of length 0, or longer than the limit.
    #[error("packet length {0} is zero or over the limit")]
    BadLength(u64),
    /// A text packet that is not UTF-8.
    #[error("text packet is not UTF-8")]
    InvalidUtf8,
}

/// Reads packets out of a byte stream, refusing any longer than `max_payload` bytes.
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    max_payload: u64,
}

impl StreamDecoder {
    /// A decoder refusing packets over `max_payload` bytes.
    pub fn new(max_payload: usize) -> Self {
        StreamDecoder {
            max_payload: max_payload as u64,
        }
    }

    /// The next whole packet at the front of `buf`, which it leaves out of `buf`; `Ok(None)` while
    /// `buf` holds only part of one (nothing is consumed then).
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Frame>, StreamError> {
        let Some(&first) = buf.first() else {
            return Ok(None);
        };
        let binary = first & 0x80 != 0;
        let (header, len) = match first & 0x7f {
            126 if buf.len() < 3 => return Ok(None),
            126 => (3, u64::from(u16::from_be_bytes([buf[1], buf[2]]))),
            127 if buf.len() < 9 => return Ok(None),
            127 => {
                let mut be = [0; 8];
                be.copy_from_slice(&buf[1..9]);
                (9, u64::from_be_bytes(be))
            }
            n => (1, u64::from(n)),
        };
        if len == 0 || len > self.max_payload {
            return Err(StreamError::BadLength(len));
        }
        // Bounded by `max_payload`, a `usize`.
        let len = len as usize;
        if buf.len() < header + len {
            return Ok(None);
        }
        buf.advance(header);
        let payload: Bytes = buf.split_to(len).freeze();
        if binary {
            return Ok(Some(Frame::Binary(payload)));
        }
        Str::from_utf8(payload)
            .map(|text| Some(Frame::Text(text)))
            .map_err(|_| StreamError::InvalidUtf8)
    }

    /// How many bytes a reader should ask for next, with `buf` holding what was read and not decoded:
    /// the rest of the packet at the front once its header is there, else `chunk`; at most `chunk`,
    /// at least 1.
    pub fn wanted(&self, buf: &[u8], chunk: usize) -> usize {
        self.needed(buf)
            .map_or(chunk, |n| n.saturating_sub(buf.len()))
            .clamp(1, chunk.max(1))
    }

    /// How many bytes the packet at the front of `buf` needs in all (header included), once its
    /// header is there.
    fn needed(&self, buf: &[u8]) -> Option<usize> {
        let first = *buf.first()?;
        let (header, len) = match first & 0x7f {
            126 => (
                3,
                u64::from(u16::from_be_bytes([*buf.get(1)?, *buf.get(2)?])),
            ),
            127 => {
                let mut be = [0; 8];
                be.copy_from_slice(buf.get(1..9)?);
                (9, u64::from_be_bytes(be))
            }
            n => (1, u64::from(n)),
        };
        Some(header + len.min(self.max_payload) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Packet, PacketType};
    use proptest::prelude::*;

    fn encoded(frame: &Frame) -> Vec<u8> {
        let mut out = Vec::new();
        encode_stream_frame(&mut out, frame);
        out
    }

    #[test]
    fn headers_follow_engine_io_parser() {
        assert_eq!(encoded(&Frame::message("hello")), b"\x064hello");
        assert_eq!(
            encoded(&Frame::Binary(Bytes::from_static(&[1, 2, 3]))),
            [0x83, 1, 2, 3]
        );
        let open = Frame::text(PacketType::Open, "");
        assert_eq!(encoded(&open), b"\x010");
        let text = Frame::message(&"a".repeat(199));
        let out = encoded(&text);
        assert_eq!(&out[..3], &[126, 0, 200]);
        let big = Frame::Binary(Bytes::from(vec![7; 70_000]));
        let out = encoded(&big);
        assert_eq!(&out[..9], &[0x80 | 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    }

    #[test]
    fn a_packet_split_anywhere_decodes_once_whole() {
        let frame = Frame::message(&"é".repeat(100));
        let bytes = encoded(&frame);
        let decoder = StreamDecoder::new(1_000);
        for cut in 0..bytes.len() {
            let mut buf = BytesMut::from(&bytes[..cut]);
            assert_eq!(decoder.decode(&mut buf), Ok(None), "cut at {cut}");
            assert_eq!(buf.len(), cut);
            buf.extend_from_slice(&bytes[cut..]);
            assert_eq!(decoder.decode(&mut buf), Ok(Some(frame.clone())));
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn empty_oversized_and_non_utf8_packets_are_refused() {
        let decoder = StreamDecoder::new(10);
        assert_eq!(
            decoder.decode(&mut BytesMut::from(&[0u8][..])),
            Err(StreamError::BadLength(0))
        );
        let mut over = BytesMut::from(&[11u8][..]);
        assert_eq!(decoder.decode(&mut over), Err(StreamError::BadLength(11)));
        let mut huge = BytesMut::from(&[127u8, 0xff, 0, 0, 0, 0, 0, 0, 0][..]);
        assert!(decoder.decode(&mut huge).is_err());
        let mut bad = BytesMut::from(&[2u8, b'4', 0xff][..]);
        assert_eq!(decoder.decode(&mut bad), Err(StreamError::InvalidUtf8));
    }

    #[test]
    fn a_reader_asks_for_the_rest_of_the_packet() {
        let decoder = StreamDecoder::new(100_000);
        let bytes = encoded(&Frame::Binary(Bytes::from(vec![0; 300])));
        assert_eq!(decoder.wanted(&bytes[..1], 4096), 4096);
        assert_eq!(decoder.wanted(&bytes[..3], 4096), 300);
        assert_eq!(decoder.wanted(&bytes[..3], 100), 100);
        assert_eq!(decoder.wanted(&bytes, 4096), 1);
    }

    proptest! {
        #[test]
        fn a_stream_of_packets_round_trips(
            packets in proptest::collection::vec(
                prop_oneof![
                    ".{1,300}".prop_map(|s| Packet::Message(s.as_str().into())),
                    proptest::collection::vec(any::<u8>(), 1..70_000)
                        .prop_map(|b| Packet::Binary(Bytes::from(b))),
                ],
                1..6,
            ),
            chunk in 1usize..5_000,
        ) {
            let mut stream = Vec::new();
            for p in &packets {
                encode_stream_frame(&mut stream, &p.encode());
            }
            let decoder = StreamDecoder::new(100_000);
            let mut buf = BytesMut::new();
            let mut out = Vec::new();
            for piece in stream.chunks(chunk) {
                buf.extend_from_slice(piece);
                while let Some(frame) = decoder.decode(&mut buf).unwrap() {
                    out.push(frame.decode().unwrap());
                }
            }
            prop_assert_eq!(out, packets);
        }
    }
}
