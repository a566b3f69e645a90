//! One function per decoder: feed it arbitrary bytes, it panics only if an invariant of the decoder breaks.
//!
//! Shared by the cargo-fuzz targets (`fuzz_targets/`) and by the stable smoke test of `sio-protocol`
//! (`tests/fuzz_smoke.rs`), which includes this file by path.

use sio_protocol::engine::{self, encode_payload, v3, Frame, PayloadDecoder};
use sio_protocol::parser::{DecodeError, DefaultParser, Limits, MsgPackParser, Parser};
use sio_protocol::socket::Packet;
use sio_protocol::websocket::{Decoder, Message, ProtocolError};

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

/// A revision 3 polling body (the second byte picks text or binary): decoding in chunks agrees with
/// decoding at once, and what decodes re-encodes to a payload of the same kind that decodes to the
/// same packets.
pub fn polling_payload_v3(data: &[u8]) {
    let [chunk, kind, body @ ..] = data else {
        return;
    };
    let binary = kind & 1 == 1;
    let limit = body.len().max(1);
    let whole = v3::PayloadDecoder::decode_all(body, limit, binary);

    let mut decoder = v3::PayloadDecoder::new(limit, binary);
    let mut streamed = Vec::new();
    let mut failed = false;
    for part in body.chunks(usize::from(*chunk).max(1)) {
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
    failed |= decoder.finish().is_err();
    match &whole {
        Ok(packets) => {
            assert!(!failed, "streaming failed where decoding at once did not");
            assert_eq!(&streamed, packets, "streaming and whole decoding differ");
            let frames: Vec<_> = packets.iter().map(engine::Packet::encode).collect();
            let again = v3::encode_payload(&frames, binary);
            let limit = again.bytes.len().max(1);
            assert_eq!(
                v3::PayloadDecoder::decode_all(&again.bytes, limit, again.binary).as_ref(),
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
/// decoder must refuse). Every decoded packet re-encodes into frames that a decoder with the same limits
/// takes (attachments and depth; the text may grow, as `1e9` is written `1000000000`, so the size is not
/// checked again), and its encoding is stable through another decode.
pub fn default_parser(data: &[u8]) {
    let limits = Limits {
        max_packet_size: 1 << 16,
        ..Limits::default()
    };
    let parser = DefaultParser::with_limits(limits);
    let checker = DefaultParser::with_limits(Limits {
        max_packet_size: usize::MAX,
        ..limits
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
            check_stable(&checker, &packet);
        }
    }
}

/// One msgpack frame: what decodes re-encodes, and its encoding is stable through another decode.
pub fn msgpack_parser(data: &[u8]) {
    let parser = MsgPackParser::new();
    let checker = MsgPackParser::with_limits(Limits {
        max_packet_size: usize::MAX,
        ..Limits::default()
    });
    let frame = Frame::Binary(data.to_vec().into());
    if let Ok(Some(packet)) = parser.decoder().decode_frame(frame) {
        check_stable(&checker, &packet);
    }
}

/// Encoding `packet`, decoding that (with `parser`'s limits) and encoding again gives the same frames.
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

/// Client websocket frames, the first byte giving a chunk size: decoding them as they arrive in chunks
/// (the caller keeping the partial frame, as the server's reader does) gives the messages and error of
/// decoding them all at once, and every message re-encodes as a client frame that decodes to it.
pub fn websocket_frames(data: &[u8]) {
    let Some((&chunk, input)) = data.split_first() else {
        return;
    };
    let limit = 1 << 12;
    let whole = decode_websocket(input, input.len().max(1), limit);
    let chunked = decode_websocket(input, usize::from(chunk).max(1), limit);
    assert_eq!(
        whole, chunked,
        "chunked and whole websocket decoding differ"
    );
    for message in whole.0 {
        let (opcode, payload) = match &message {
            Message::Text(t) => (0x1, t.as_bytes().to_vec()),
            Message::Binary(b) => (0x2, b.to_vec()),
            Message::Ping(b) => (0x9, b.to_vec()),
            Message::Pong(b) => (0xA, b.to_vec()),
            Message::Close(None) => (0x8, Vec::new()),
            Message::Close(Some((code, reason))) => {
                let mut p = code.to_be_bytes().to_vec();
                p.extend_from_slice(reason.as_bytes());
                (0x8, p)
            }
        };
        let mut frame = Vec::new();
        client_frame(&mut frame, true, opcode, &payload, [chunk, 0x5a, 0, 0xff]);
        let again = Decoder::new(limit).decode(&frame);
        assert_eq!(
            again.map(|d| (d.consumed, d.message)),
            Ok((frame.len(), Some(message))),
            "websocket round trip"
        );
    }
}

/// Decodes `input` handed over in chunks of `chunk` bytes: the messages, and the error that ended it.
fn decode_websocket(
    input: &[u8],
    chunk: usize,
    limit: usize,
) -> (Vec<Message>, Option<ProtocolError>) {
    let mut decoder = Decoder::new(limit);
    let mut pending = Vec::new();
    let mut messages = Vec::new();
    for part in input.chunks(chunk) {
        pending.extend_from_slice(part);
        loop {
            match decoder.decode(&pending) {
                Ok(d) => {
                    pending.drain(..d.consumed);
                    match d.message {
                        Some(m) => messages.push(m),
                        None => break,
                    }
                }
                Err(e) => return (messages, Some(e)),
            }
        }
    }
    (messages, None)
}

/// Appends a client frame: FIN as given, `opcode`, `payload` masked with `mask`.
pub fn client_frame(out: &mut Vec<u8>, fin: bool, opcode: u8, payload: &[u8], mask: [u8; 4]) {
    out.push(if fin { 0x80 } else { 0 } | opcode);
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= 0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
}
