//! Decoding revision 3 polling payloads as they arrive: length-prefixed text, or a binary payload
//! (a POST sent as `application/octet-stream`).

use super::packet::{decode_binary, decode_text};
use super::payload::LENGTH_END;
use crate::engine::{DecodeError, Packet};
use crate::Str;
use bytes::{Bytes, BytesMut};

/// Digits a length may have: more than any payload under a sane `maxHttpBufferSize` needs, and few
/// enough to parse into a `usize` without overflow.
const MAX_DIGITS: usize = 15;

/// Decodes a revision 3 polling body as it arrives, refusing it as soon as it grows past `max_size`.
///
/// Feed chunks with [`push`](Self::push), take the packets completed so far with
/// [`next_packet`](Self::next_packet), and check the end with [`finish`](Self::finish). After an
/// error, the decoder yields nothing more (as engine.io drops the rest of a payload that does not
/// decode, having delivered the packets before the error).
#[derive(Debug)]
pub struct PayloadDecoder {
    buf: BytesMut,
    received: usize,
    max_size: usize,
    binary: bool,
    failed: bool,
    /// The text packet being received, as far as it was walked: each byte is looked at once however
    /// the body is cut into chunks.
    scan: Option<TextScan>,
}

/// A text packet whose length prefix was read, and how much of it was walked.
#[derive(Debug, Clone, Copy)]
struct TextScan {
    /// Bytes of the `<length>:` prefix.
    header: usize,
    /// The packet's length in UTF-16 code units.
    units: usize,
    /// Bytes of the packet walked so far, and the code units they hold.
    walked: usize,
    counted: usize,
}

/// How far a text packet reaches into the buffer.
enum Reach {
    /// Its last byte is not there yet; this much was walked.
    More { walked: usize, counted: usize },
    /// It ends after this many bytes.
    End(usize),
}

impl PayloadDecoder {
    /// A decoder of a text payload, or of a binary one if `binary`, of at most `max_size` bytes.
    pub fn new(max_size: usize, binary: bool) -> Self {
        PayloadDecoder {
            buf: BytesMut::new(),
            received: 0,
            max_size,
            binary,
            failed: false,
            scan: None,
        }
    }

    /// Adds a chunk of the body.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), DecodeError> {
        self.received = self.received.saturating_add(chunk.len());
        if self.received > self.max_size {
            return Err(DecodeError::TooLarge {
                limit: self.max_size,
            });
        }
        if !self.failed {
            self.buf.extend_from_slice(chunk);
        }
        Ok(())
    }

    /// The next packet the bytes pushed so far complete, if any.
    pub fn next_packet(&mut self) -> Option<Result<Packet, DecodeError>> {
        if self.failed {
            return None;
        }
        let next = if self.binary {
            self.next_binary()
        } else {
            self.next_text()
        };
        if let Some(Err(_)) = next {
            self.failed = true;
            self.buf = BytesMut::new();
        }
        next
    }

    /// Checks the end of the body, once every packet was taken: bytes left over are a truncated
    /// packet, and an empty text payload is an error (as in engine.io-parser 2).
    pub fn finish(self) -> Result<(), DecodeError> {
        if self.failed {
            return Ok(());
        }
        if !self.buf.is_empty() {
            return Err(DecodeError::InvalidLength);
        }
        if !self.binary && self.received == 0 {
            return Err(DecodeError::Empty);
        }
        Ok(())
    }

    /// Decodes a whole body at once.
    pub fn decode_all(
        body: &[u8],
        max_size: usize,
        binary: bool,
    ) -> Result<Vec<Packet>, DecodeError> {
        let mut decoder = PayloadDecoder::new(max_size, binary);
        decoder.push(body)?;
        let mut packets = Vec::new();
        while let Some(p) = decoder.next_packet() {
            packets.push(p?);
        }
        decoder.finish()?;
        Ok(packets)
    }

    /// `<length>:<packet>`, the length in UTF-16 code units; a `0:` carries no packet.
    fn next_text(&mut self) -> Option<Result<Packet, DecodeError>> {
        loop {
            let scan = match self.scan.take() {
                Some(scan) => scan,
                None => {
                    if self.buf.is_empty() {
                        return None;
                    }
                    let prefix = &self.buf[..self.buf.len().min(MAX_DIGITS + 1)];
                    let Some(colon) = prefix.iter().position(|&b| b == b':') else {
                        let pending_digits =
                            self.buf.len() <= MAX_DIGITS && self.buf.iter().all(u8::is_ascii_digit);
                        return (!pending_digits).then_some(Err(DecodeError::InvalidLength));
                    };
                    let units = match parse_length(&self.buf[..colon]) {
                        Ok(n) => n,
                        Err(e) => return Some(Err(e)),
                    };
                    TextScan {
                        header: colon + 1,
                        units,
                        walked: 0,
                        counted: 0,
                    }
                }
            };
            let end = match reach(&self.buf[scan.header..], scan) {
                Ok(Reach::More { walked, counted }) => {
                    self.scan = Some(TextScan {
                        walked,
                        counted,
                        ..scan
                    });
                    return None;
                }
                Ok(Reach::End(end)) => end,
                Err(e) => return Some(Err(e)),
            };
            let _ = self.buf.split_to(scan.header);
            let part = self.buf.split_to(end).freeze();
            if scan.units == 0 {
                continue;
            }
            return Some(text_packet(part));
        }
    }

    /// `0` (text) or anything else (binary), the length's digits one per byte, `255`, the packet.
    fn next_binary(&mut self) -> Option<Result<Packet, DecodeError>> {
        if self.buf.is_empty() {
            return None;
        }
        let digits_and_end = &self.buf[1..self.buf.len().min(MAX_DIGITS + 2)];
        let Some(end) = digits_and_end.iter().position(|&b| b == LENGTH_END) else {
            let pending_digits =
                self.buf.len() - 1 <= MAX_DIGITS && self.buf[1..].iter().all(|&d| d <= 9);
            return (!pending_digits).then_some(Err(DecodeError::InvalidLength));
        };
        let digits = &self.buf[1..1 + end];
        if digits.is_empty() || digits.len() > MAX_DIGITS || digits.iter().any(|&d| d > 9) {
            return Some(Err(DecodeError::InvalidLength));
        }
        let length = digits.iter().fold(0usize, |n, &d| n * 10 + usize::from(d));
        let header = 2 + end;
        if self.buf.len() - header < length {
            return None;
        }
        let is_text = self.buf[0] == 0;
        let _ = self.buf.split_to(header);
        let part = self.buf.split_to(length).freeze();
        Some(if is_text {
            text_packet(part)
        } else {
            decode_binary(part)
        })
    }
}

/// The decimal length before a colon.
fn parse_length(digits: &[u8]) -> Result<usize, DecodeError> {
    if digits.is_empty() || digits.len() > MAX_DIGITS || !digits.iter().all(u8::is_ascii_digit) {
        return Err(DecodeError::InvalidLength);
    }
    Ok(digits
        .iter()
        .fold(0usize, |n, &d| n * 10 + usize::from(d - b'0')))
}

/// Where the `scan.units` UTF-16 code units of the UTF-8 text at the start of `bytes` end, walking on
/// from where `scan` stopped and checking the text on the way. A length that ends inside a character
/// outside the BMP (in the middle of its surrogate pair) is refused.
fn reach(bytes: &[u8], scan: TextScan) -> Result<Reach, DecodeError> {
    let (mut at, mut counted) = (scan.walked, scan.counted);
    let more = |walked, counted| Ok(Reach::More { walked, counted });
    while counted < scan.units {
        let Some(&lead) = bytes.get(at) else {
            return more(at, counted);
        };
        let width = match lead {
            0x00..=0x7f => 1,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return Err(DecodeError::InvalidUtf8),
        };
        let Some(char_bytes) = bytes.get(at..at + width) else {
            return more(at, counted);
        };
        if std::str::from_utf8(char_bytes).is_err() {
            return Err(DecodeError::InvalidUtf8);
        }
        counted += if width == 4 { 2 } else { 1 };
        at += width;
    }
    if counted > scan.units {
        return Err(DecodeError::InvalidLength);
    }
    Ok(Reach::End(at))
}

fn text_packet(part: Bytes) -> Result<Packet, DecodeError> {
    decode_text(Str::from_utf8(part).map_err(|_| DecodeError::InvalidUtf8)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::v3::encode_payload;
    use crate::engine::Frame;

    fn text(body: &[u8]) -> Result<Vec<Packet>, DecodeError> {
        PayloadDecoder::decode_all(body, 1000, false)
    }

    fn binary(body: &[u8]) -> Result<Vec<Packet>, DecodeError> {
        PayloadDecoder::decode_all(body, 1000, true)
    }

    fn sample() -> Vec<Packet> {
        vec![
            Packet::Message("hello".into()),
            Packet::Binary(Bytes::from_static(&[0, 1, 255, 58])),
            Packet::Message("é€😀 and 0:1:".into()),
            Packet::Ping("".into()),
            Packet::Binary(Bytes::new()),
            Packet::Close,
        ]
    }

    #[test]
    fn round_trips_every_form() {
        let frames: Vec<Frame> = sample().iter().map(Packet::encode).collect();
        for supports_binary in [false, true] {
            let payload = encode_payload(&frames, supports_binary);
            assert_eq!(payload.binary, supports_binary);
            let decoded = PayloadDecoder::decode_all(&payload.bytes, 1000, payload.binary);
            assert_eq!(decoded, Ok(sample()), "binary: {supports_binary}");
        }
    }

    #[test]
    fn decodes_byte_by_byte() {
        let frames: Vec<Frame> = sample().iter().map(Packet::encode).collect();
        for supports_binary in [false, true] {
            let payload = encode_payload(&frames, supports_binary);
            let mut d = PayloadDecoder::new(1000, payload.binary);
            let mut got = Vec::new();
            for byte in payload.bytes.chunks(1) {
                d.push(byte).unwrap();
                while let Some(p) = d.next_packet() {
                    got.push(p.unwrap());
                }
            }
            d.finish().unwrap();
            assert_eq!(got, sample(), "binary: {supports_binary}");
        }
    }

    #[test]
    fn a_long_packet_cut_into_bytes_is_walked_once() {
        // 400 kB: walking the packet again on every byte would take minutes.
        let text = format!("4{}", "é".repeat(200_000));
        let body = format!("200001:{text}");
        let mut d = PayloadDecoder::new(body.len(), false);
        let mut got = Vec::new();
        for byte in body.as_bytes().chunks(1) {
            d.push(byte).unwrap();
            got.extend(d.next_packet());
        }
        d.finish().unwrap();
        assert_eq!(got, vec![Ok(Packet::Message(text[1..].into()))]);
    }

    #[test]
    fn reads_the_protocol_examples() {
        assert_eq!(
            text(b"6:4hello6:4world"),
            Ok(vec![
                Packet::Message("hello".into()),
                Packet::Message("world".into())
            ])
        );
        assert_eq!(text(b"0:1:2"), Ok(vec![Packet::Ping("".into())]));
        assert_eq!(
            text(b"6:b4AQID"),
            Ok(vec![Packet::Binary(Bytes::from_static(&[1, 2, 3]))])
        );
        // Text inside a binary payload may be base64 too; any flag but 0 is binary.
        assert_eq!(
            binary(&[0, 6, 255, b'b', b'4', b'A', b'Q', b'=', b'=', 2, 2, 255, 4, 9]),
            Ok(vec![
                Packet::Binary(Bytes::from_static(&[1])),
                Packet::Binary(Bytes::from_static(&[9]))
            ])
        );
        assert_eq!(binary(b""), Ok(vec![]));
    }

    #[test]
    fn bad_lengths_are_errors() {
        let bad: &[&[u8]] = &[
            b"",
            b":4a",
            b"x:4a",
            b"2:4",
            b"3:4a",
            b"2:4a1",
            b"2:4a3:4",
            b"1234567890123456:4",
            b"12345678901234567890",
            b"-1:4",
            b"1:\xf0\x9f\x98\x80",
            b"2:4\xff",
            b"2:4\xc3",
        ];
        for body in bad {
            assert!(text(body).is_err(), "{:?}", String::from_utf8_lossy(body));
        }
        assert_eq!(text(b"2:4"), Err(DecodeError::InvalidLength));
        assert_eq!(text(b"2:9a"), Err(DecodeError::UnknownType('9')));
        assert_eq!(text(b"1:b"), Err(DecodeError::Empty));
        let bad_binary: &[&[u8]] = &[
            &[0],
            &[0, 255, b'4'],
            &[0, 2, 255, b'4'],
            &[0, 10, 255, b'4'],
            &[1, 1, 255],
            &[1, 1, 255, 9],
            &[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 255, 4],
            &[0, 2, 255, b'4', 0xff],
            &[0, 1, 255, b'9'],
        ];
        for body in bad_binary {
            assert!(binary(body).is_err(), "{body:?}");
        }
    }

    #[test]
    fn delivers_what_precedes_an_error_then_nothing() {
        let mut d = PayloadDecoder::new(100, false);
        d.push(b"2:4a2:9b2:4c").unwrap();
        assert_eq!(d.next_packet(), Some(Ok(Packet::Message("a".into()))));
        assert_eq!(d.next_packet(), Some(Err(DecodeError::UnknownType('9'))));
        assert_eq!(d.next_packet(), None);
        d.push(b"2:4d").unwrap();
        assert_eq!(d.next_packet(), None);
        assert_eq!(d.finish(), Ok(()));
    }

    #[test]
    fn refuses_a_body_over_the_limit_while_reading() {
        let mut d = PayloadDecoder::new(8, true);
        d.push(&[0, 5, 255]).unwrap();
        assert_eq!(d.push(b"4hello"), Err(DecodeError::TooLarge { limit: 8 }));
    }
}
