//! HTTP long-polling payloads: packets joined by the record separator, binary as `b` + base64.

use super::{DecodeError, Frame, Packet};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use bytes::{Bytes, BytesMut};

/// The record separator (`\x1e`) between two packets of a polling payload.
pub const SEPARATOR: u8 = 0x1e;

/// Joins frames into one polling payload, written into a buffer sized up front.
pub fn encode_payload<'a, I>(frames: I) -> Bytes
where
    I: IntoIterator<Item = &'a Frame>,
    I::IntoIter: Clone,
{
    let frames = frames.into_iter();
    let size: usize = frames
        .clone()
        .map(|frame| {
            1 + match frame {
                Frame::Text(t) => t.len(),
                Frame::Binary(b) => 1 + base64::encoded_len(b.len(), true).unwrap_or(0),
            }
        })
        .sum();
    let mut out = BytesMut::with_capacity(size.saturating_sub(1));
    for (i, frame) in frames.enumerate() {
        if i > 0 {
            out.extend_from_slice(&[SEPARATOR]);
        }
        match frame {
            Frame::Text(t) => out.extend_from_slice(t.as_bytes()),
            Frame::Binary(b) => {
                out.extend_from_slice(b"b");
                let start = out.len();
                out.resize(start + base64::encoded_len(b.len(), true).unwrap_or(0), 0);
                let written = STANDARD.encode_slice(b, &mut out[start..]).unwrap_or(0);
                out.truncate(start + written);
            }
        }
    }
    out.freeze()
}

/// Decodes a polling body as it arrives, refusing it as soon as it grows past `max_size` bytes.
///
/// Feed chunks with [`push`](Self::push), take the packets completed so far with
/// [`next_packet`](Self::next_packet), and the last one with [`finish`](Self::finish).
#[derive(Debug)]
pub struct PayloadDecoder {
    buf: BytesMut,
    /// Bytes of `buf` already known to hold no separator.
    scanned: usize,
    received: usize,
    max_size: usize,
}

impl PayloadDecoder {
    /// A decoder that accepts at most `max_size` bytes of body.
    pub fn new(max_size: usize) -> Self {
        PayloadDecoder {
            buf: BytesMut::new(),
            scanned: 0,
            received: 0,
            max_size,
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
        self.buf.extend_from_slice(chunk);
        Ok(())
    }

    /// The next packet that a separator has completed, if any.
    pub fn next_packet(&mut self) -> Option<Result<Packet, DecodeError>> {
        let pos = self.buf[self.scanned..]
            .iter()
            .position(|&b| b == SEPARATOR);
        match pos {
            Some(pos) => {
                let part = self.buf.split_to(self.scanned + pos).freeze();
                let _ = self.buf.split_to(1);
                self.scanned = 0;
                Some(decode_part(part))
            }
            None => {
                self.scanned = self.buf.len();
                None
            }
        }
    }

    /// The packet after the last separator, once the whole body has been pushed.
    pub fn finish(mut self) -> Option<Result<Packet, DecodeError>> {
        if let Some(p) = self.next_packet() {
            return Some(p);
        }
        (!self.buf.is_empty() || self.received > 0).then(|| decode_part(self.buf.split().freeze()))
    }

    /// Decodes a whole body at once.
    pub fn decode_all(body: &[u8], max_size: usize) -> Result<Vec<Packet>, DecodeError> {
        let mut decoder = PayloadDecoder::new(max_size);
        decoder.push(body)?;
        let mut packets = Vec::new();
        while let Some(p) = decoder.next_packet() {
            packets.push(p?);
        }
        if let Some(p) = decoder.finish() {
            packets.push(p?);
        }
        Ok(packets)
    }
}

fn decode_part(part: Bytes) -> Result<Packet, DecodeError> {
    if part.first() == Some(&b'b') {
        let raw = STANDARD
            .decode(&part[1..])
            .map_err(|_| DecodeError::InvalidBase64)?;
        Ok(Packet::Binary(Bytes::from(raw)))
    } else {
        Packet::decode_text_bytes(part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_protocol_example() {
        let frames = [
            Packet::Message("hello".into()).encode(),
            Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])).encode(),
        ];
        assert_eq!(&encode_payload(&frames)[..], b"4hello\x1ebAQIDBA==");
    }

    #[test]
    fn decodes_chunk_by_chunk() {
        let body = b"4hello\x1ebAQIDBA==\x1e2";
        let mut d = PayloadDecoder::new(100);
        let mut got = Vec::new();
        for chunk in body.chunks(3) {
            d.push(chunk).unwrap();
            while let Some(p) = d.next_packet() {
                got.push(p.unwrap());
            }
        }
        got.push(d.finish().unwrap().unwrap());
        assert_eq!(
            got,
            vec![
                Packet::Message("hello".into()),
                Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
                Packet::Ping("".into()),
            ]
        );
    }

    #[test]
    fn refuses_a_body_over_the_limit_while_reading() {
        let mut d = PayloadDecoder::new(8);
        d.push(b"4hell").unwrap();
        assert_eq!(d.push(b"o world"), Err(DecodeError::TooLarge { limit: 8 }));
    }

    #[test]
    fn reports_bad_parts() {
        assert_eq!(
            PayloadDecoder::decode_all(b"b!!", 10),
            Err(DecodeError::InvalidBase64)
        );
        assert_eq!(
            PayloadDecoder::decode_all(b"4a\x1e9", 10),
            Err(DecodeError::UnknownType('9'))
        );
        assert_eq!(PayloadDecoder::decode_all(b"", 10), Ok(vec![]));
        assert_eq!(
            PayloadDecoder::decode_all(b"4a\x1e", 10),
            Err(DecodeError::Empty)
        );
    }
}
