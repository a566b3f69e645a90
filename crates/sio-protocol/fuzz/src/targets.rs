//! One function per decoder: feed it arbitrary bytes, it panics only if an invariant of the decoder breaks.
//!
//! Shared by the cargo-fuzz targets (`fuzz_targets/`) and by the stable smoke test of `sio-protocol`
//! (`tests/fuzz_smoke.rs`), which includes this file by path.

use sio_protocol::engine::{self, encode_payload, Frame, PayloadDecoder};
use sio_protocol::parser::{DecodeError, DefaultParser, Limits, MsgPackParser, Parser};
use sio_protocol::socket::Packet;

/// An Engine.IO text packet: whatever decodes re-encodes to a frame that decodes to the same packet.
pub fn engine_text(data: &[u8]) {
    if let Ok(packet) = engine::Packet::decode_text_bytes(data.to_vec().into()) {
        let again = packet.encode().decode();
        assert_eq!(again.as_ref(), Ok(&packet), "engine packet round trip");
    }
}

/// A polling body: decoding in chunks agrees with decoding at once, and what decodes re-encodes to a
/// body that decodes to the same packets.
pub fn polling_payload(data: &[u8]) {
    let Some((&chunk, body)) = data.split_first() else {
        return;
    };
    let limit = body.len().max(1);
    let whole = PayloadDecoder::decode_all(body, limit);

    let mut decoder = PayloadDecoder::new(limit);
    let mut streamed = Vec::new();
    let mut failed = false;
    for part in body.chunks(usize::from(chunk).max(1)) {
        if decoder.push(part).is_err() {
            failed = true;
            break;
        }
        while let Some(p) = decoder.next_packet() {
            match p {
                Ok(p) => streamed.push(p),
                Err(_) => failed = true,
            }
        }
    }
    if !failed {
        match decoder.finish() {
            Some(Ok(p)) => streamed.push(p),
            Some(Err(_)) => failed = true,
            None => {}
        }
    }
    match &whole {
        Ok(packets) => {
            assert!(!failed, "streaming failed where decoding at once did not");
            assert_eq!(&streamed, packets, "streaming and whole decoding differ");
            let frames: Vec<_> = packets.iter().map(engine::Packet::encode).collect();
            let again = encode_payload(&frames);
            assert_eq!(
                PayloadDecoder::decode_all(&again, again.len().max(1)).as_ref(),
                Ok(packets),
                "payload round trip"
            );
        }
        Err(_) => assert!(failed, "streaming accepted what decoding at once refused"),
    }
}

/// Messages for the default parser, separated by `\x1e` as in a polling body: a part starting with `b` is a
/// binary message (the bytes after the `b`), any other part is a text frame if it is UTF-8, decoded as an
/// Engine.IO packet and handed to the decoder as the engine layer does (non-messages included, which the
/// decoder must refuse). Every decoded packet re-encodes, and its encoding is stable through another decode.
pub fn default_parser(data: &[u8]) {
    let parser = DefaultParser::with_limits(Limits {
        max_packet_size: 1 << 16,
        ..Limits::default()
    });
    let mut decoder = parser.decoder();
    for part in data.split(|&b| b == 0x1e) {
        let message = match part.split_first() {
            Some((b'b', rest)) => engine::Packet::Binary(rest.to_vec().into()),
            _ => match engine::Packet::decode_text_bytes(part.to_vec().into()) {
                Ok(message) => message,
                Err(_) => continue,
            },
        };
        let is_message = matches!(
            message,
            engine::Packet::Message(_) | engine::Packet::Binary(_)
        );
        let result = decoder.decode(message);
        if !is_message {
            assert_eq!(
                result,
                Err(DecodeError::UnexpectedFrame),
                "a non-message engine packet was accepted"
            );
        }
        if let Ok(Some(packet)) = result {
            check_stable(&parser, &packet);
        }
    }
}

/// One msgpack frame: what decodes re-encodes, and its encoding is stable through another decode.
pub fn msgpack_parser(data: &[u8]) {
    let parser = MsgPackParser::new();
    let frame = Frame::Binary(data.to_vec().into());
    if let Ok(Some(packet)) = parser.decoder().decode_frame(frame) {
        check_stable(&parser, &packet);
    }
}

/// Encoding `packet`, decoding that and encoding again gives the same frames.
fn check_stable(parser: &dyn Parser, packet: &Packet) {
    let encoded = parser.encode(packet).expect("a decoded packet encodes");
    let mut decoder = parser.decoder();
    let mut decoded = None;
    for frame in encoded.frames.iter().cloned() {
        decoded = decoder
            .decode_frame(frame)
            .expect("our own encoding decodes");
    }
    let decoded = decoded.expect("our own encoding decodes to a packet");
    let again = parser.encode(&decoded).expect("re-encodes");
    assert_eq!(again, encoded, "encoding is stable");
}
