//! The websocket decoder against client frames: a property round trip (fragmentation, interleaved
//! control frames, arbitrary chunking) and the rules a server enforces.

#[allow(dead_code)]
#[path = "../fuzz/src/targets.rs"]
mod targets;

use bytes::Bytes;
use proptest::prelude::*;
use sio_protocol::websocket::{
    encode_close, encode_header, frame_size, Decoder, Message, OpCode, ProtocolError,
};
use sio_protocol::Str;
use targets::client_frame;

/// Decodes `input` handed over in chunks of `chunk` bytes, keeping the partial frame between calls.
fn decode_chunked(input: &[u8], chunk: usize, limit: usize) -> Result<Vec<Message>, ProtocolError> {
    let mut decoder = Decoder::new(limit);
    let mut pending = Vec::new();
    let mut messages = Vec::new();
    for part in input.chunks(chunk.max(1)) {
        pending.extend_from_slice(part);
        loop {
            let d = decoder.decode(&pending)?;
            pending.drain(..d.consumed);
            match d.message {
                Some(m) => messages.push(m),
                None => break,
            }
        }
    }
    assert!(pending.is_empty(), "bytes left over");
    Ok(messages)
}

fn decode_one(input: &[u8]) -> Result<Option<Message>, ProtocolError> {
    Decoder::new(1 << 20).decode(input).map(|d| d.message)
}

fn data_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        any::<String>().prop_map(|s| Message::Text(Str::from(s.as_str()))),
        proptest::collection::vec(any::<u8>(), 0..70_000).prop_map(|v| Message::Binary(v.into())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Messages split in fragments (with pings between them), masked, then cut in arbitrary chunks,
    /// decode to the same messages, each ping answered in place.
    #[test]
    fn fragmented_masked_messages_round_trip(
        messages in proptest::collection::vec((data_message(), 1usize..5, any::<[u8; 4]>()), 1..6),
        chunk in 1usize..9000,
    ) {
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for (i, (message, pieces, mask)) in messages.iter().enumerate() {
            let (opcode, payload) = match message {
                Message::Text(t) => (1, t.as_bytes().clone()),
                Message::Binary(b) => (2, b.clone()),
                _ => unreachable!(),
            };
            let size = payload.len().div_ceil(*pieces).max(1);
            let parts: Vec<&[u8]> = if payload.is_empty() { vec![&[]] } else { payload.chunks(size).collect() };
            for (j, part) in parts.iter().enumerate() {
                let op = if j == 0 { opcode } else { 0 };
                client_frame(&mut wire, j + 1 == parts.len(), op, part, *mask);
                if j == 0 && parts.len() > 1 {
                    let ping = Bytes::from(format!("p{i}"));
                    client_frame(&mut wire, true, 9, &ping, *mask);
                    expected.push(Message::Ping(ping));
                }
            }
            expected.push(message.clone());
        }
        prop_assert_eq!(decode_chunked(&wire, chunk, 1 << 20), Ok(expected));
    }
}

#[test]
fn a_server_refuses_what_the_rfc_forbids() {
    let mask = [1, 2, 3, 4];
    let frame = |fin, op, payload: &[u8]| {
        let mut v = Vec::new();
        client_frame(&mut v, fin, op, payload, mask);
        v
    };
    // Unmasked.
    assert_eq!(decode_one(b"\x81\x05hello"), Err(ProtocolError::Unmasked));
    // RSV1 (permessage-deflate was never negotiated).
    let mut rsv = frame(true, 1, b"x");
    rsv[0] |= 0x40;
    assert_eq!(decode_one(&rsv), Err(ProtocolError::ReservedBits));
    // Unknown opcodes.
    for op in [3, 7, 0xB, 0xF] {
        assert_eq!(
            decode_one(&frame(true, op, b"")),
            Err(ProtocolError::UnknownOpcode)
        );
    }
    // Control frames: at most 125 bytes, never fragmented.
    assert_eq!(
        decode_one(&frame(true, 9, &[0; 126])),
        Err(ProtocolError::BadControl)
    );
    assert_eq!(
        decode_one(&frame(false, 9, b"")),
        Err(ProtocolError::BadControl)
    );
    // Continuation without a message, new message inside a fragmented one.
    assert_eq!(
        decode_one(&frame(true, 0, b"x")),
        Err(ProtocolError::BadContinuation)
    );
    let mut two = frame(false, 1, b"a");
    two.extend(frame(true, 2, b"b"));
    assert_eq!(decode_one(&two), Err(ProtocolError::BadContinuation));
    // Text must be UTF-8, also when its fragments split a character.
    assert_eq!(
        decode_one(&frame(true, 1, b"\xff")),
        Err(ProtocolError::InvalidUtf8)
    );
    let e = "é".as_bytes();
    let mut split = frame(false, 1, &e[..1]);
    split.extend(frame(true, 0, &e[1..]));
    assert_eq!(decode_one(&split), Ok(Some(Message::Text("é".into()))));
    // Close payloads: one byte, a code that may not be sent, a reason that is not UTF-8.
    assert_eq!(
        decode_one(&frame(true, 8, b"\x03")),
        Err(ProtocolError::BadClose)
    );
    assert_eq!(
        decode_one(&frame(true, 8, &1005u16.to_be_bytes())),
        Err(ProtocolError::BadClose)
    );
    assert_eq!(
        decode_one(&frame(true, 8, b"\x03\xe8\xff")),
        Err(ProtocolError::InvalidUtf8)
    );
    assert_eq!(
        decode_one(&frame(true, 8, b"\x03\xe8bye")),
        Ok(Some(Message::Close(Some((1000, "bye".into())))))
    );
    // A 64-bit length with the top bit set.
    let mut huge = vec![0x82, 0xFF];
    huge.extend_from_slice(&u64::MAX.to_be_bytes());
    huge.extend_from_slice(&mask);
    assert_eq!(decode_one(&huge), Err(ProtocolError::BadLength));
}

#[test]
fn the_size_limit_is_checked_on_the_header_and_across_fragments() {
    let mask = [9, 8, 7, 6];
    let mut decoder = Decoder::new(10);
    // Refused from the header alone: no need to receive the payload.
    let mut big = Vec::new();
    client_frame(&mut big, true, 2, &[0; 11], mask);
    assert_eq!(decoder.decode(&big[..8]), Err(ProtocolError::TooLarge));
    let mut decoder = Decoder::new(10);
    let mut parts = Vec::new();
    client_frame(&mut parts, false, 2, &[0; 6], mask);
    client_frame(&mut parts, true, 0, &[0; 5], mask);
    assert_eq!(decoder.decode(&parts), Err(ProtocolError::TooLarge));
    assert_eq!(ProtocolError::TooLarge.close_code(), 1009);
    assert_eq!(ProtocolError::InvalidUtf8.close_code(), 1007);
    assert_eq!(ProtocolError::Unmasked.close_code(), 1002);
}

#[test]
fn a_partial_frame_is_left_to_the_caller() {
    let mut frame = Vec::new();
    client_frame(&mut frame, true, 2, &[7; 300], [1, 1, 1, 1]);
    assert_eq!(frame_size(&frame[..1]), None);
    assert_eq!(frame_size(&frame[..8]), Some(frame.len() as u64));
    let mut decoder = Decoder::new(1000);
    let d = decoder.decode(&frame[..100]).unwrap();
    assert_eq!((d.consumed, d.message), (0, None));
    let d = decoder.decode(&frame).unwrap();
    assert_eq!(d.consumed, frame.len());
    assert_eq!(d.message, Some(Message::Binary(vec![7; 300].into())));
}

#[test]
fn server_frames_are_encoded_unmasked() {
    let mut out = Vec::new();
    encode_header(&mut out, OpCode::Text, 5);
    assert_eq!(out, [0x81, 5]);
    out.clear();
    encode_header(&mut out, OpCode::Binary, 300);
    assert_eq!(out, [0x82, 126, 1, 44]);
    out.clear();
    encode_header(&mut out, OpCode::Binary, 70_000);
    assert_eq!(out, [0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    out.clear();
    encode_close(&mut out, Some(1009), "Max payload size exceeded");
    assert_eq!(&out[..4], [0x88, 27, 0x03, 0xF1]);
    assert_eq!(&out[4..], b"Max payload size exceeded");
    out.clear();
    encode_close(&mut out, None, "");
    assert_eq!(out, [0x88, 0]);
    // The reason is cut to the 125-byte limit on a character boundary.
    out.clear();
    encode_close(&mut out, Some(1000), &"é".repeat(100));
    assert_eq!(out[1], 124);
}
