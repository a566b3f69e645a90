//! The websocket decoder with permessage-deflate: compressed messages (whole and fragmented) are
//! inflated, RSV1 is refused where RFC 7692 forbids it, and bad or oversized data gets `ws`'s status.

use sio_protocol::websocket::{
    apply_mask, encode_frame_header, Decoder, DeflateParams, Deflater, Inflater, Message, OpCode,
    PerMessageDeflate, ProtocolError, Role,
};
use sio_protocol::Str;

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// A client frame: FIN as given, RSV1 if `compressed`, masked.
fn client_frame(fin: bool, opcode: u8, compressed: bool, payload: &[u8]) -> Vec<u8> {
    let op = match opcode {
        0x0 => OpCode::Continuation,
        0x1 => OpCode::Text,
        0x2 => OpCode::Binary,
        0x9 => OpCode::Ping,
        _ => OpCode::Close,
    };
    let mut out = Vec::new();
    encode_frame_header(&mut out, op, payload.len(), compressed, Some(MASK));
    if !fin {
        out[0] &= 0x7f;
    }
    apply_mask(&mut out, payload, MASK);
    out
}

fn client_deflate(data: &[u8]) -> Vec<u8> {
    let mut d = Deflater::new(
        Role::Client,
        &DeflateParams::default(),
        &PerMessageDeflate::default(),
    );
    let mut out = Vec::new();
    assert!(d.compress(data, &mut out));
    out
}

fn server_decoder(limit: usize) -> Decoder {
    Decoder::new(limit).with_deflate(Inflater::new(Role::Server, &DeflateParams::default()))
}

fn decode_all(decoder: &mut Decoder, input: &[u8]) -> Result<Vec<Message>, ProtocolError> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < input.len() {
        let d = decoder.decode(&input[at..])?;
        assert!(d.consumed > 0 || d.message.is_some(), "no progress");
        at += d.consumed;
        out.extend(d.message);
    }
    Ok(out)
}

#[test]
fn compressed_messages_are_inflated() {
    let text = "42[\"big\",\"".to_string() + &"x".repeat(5000) + "\"]";
    let compressed = client_deflate(text.as_bytes());
    let mut input = client_frame(true, 0x1, true, &compressed);
    // Fragmented: RSV1 on the first frame only.
    let (a, b) = compressed.split_at(compressed.len() / 2);
    input.extend(client_frame(false, 0x2, true, a));
    input.extend(client_frame(true, 0x9, false, b"p"));
    input.extend(client_frame(true, 0x0, false, b));
    input.extend(client_frame(true, 0x1, false, b"plain"));
    let messages = decode_all(&mut server_decoder(1 << 20), &input).unwrap();
    assert_eq!(
        messages,
        vec![
            Message::Text(Str::from(text.as_str())),
            Message::Ping(bytes::Bytes::from_static(b"p")),
            Message::Binary(bytes::Bytes::from(text.clone().into_bytes())),
            Message::Text(Str::from("plain")),
        ]
    );
}

#[test]
fn context_takeover_spans_messages() {
    let mut deflater = Deflater::new(
        Role::Client,
        &DeflateParams::default(),
        &PerMessageDeflate::default(),
    );
    let mut decoder = server_decoder(1 << 20);
    let text = "hello sio ".repeat(300);
    // An empty message between two others (zlib refuses a second flush without input) keeps the context.
    for message in [text.as_str(), "", text.as_str(), text.as_str()] {
        let mut data = Vec::new();
        assert!(deflater.compress(message.as_bytes(), &mut data));
        let got = decode_all(&mut decoder, &client_frame(true, 0x1, true, &data)).unwrap();
        assert_eq!(got, vec![Message::Text(Str::from(message))]);
    }
}

#[test]
fn rsv1_without_negotiation_is_a_protocol_error() {
    let frame = client_frame(true, 0x1, true, &client_deflate(b"hello"));
    let err = Decoder::new(1000).decode(&frame).unwrap_err();
    assert_eq!(err, ProtocolError::ReservedBits);
    assert_eq!(err.close_code(), 1002);
}

#[test]
fn rsv1_on_control_or_continuation_frames_is_refused() {
    let ping = client_frame(true, 0x9, true, b"");
    assert_eq!(
        server_decoder(1000).decode(&ping).unwrap_err(),
        ProtocolError::ReservedBits
    );
    let mut input = client_frame(false, 0x1, false, b"he");
    input.extend(client_frame(true, 0x0, true, b"llo"));
    assert_eq!(
        decode_all(&mut server_decoder(1000), &input).unwrap_err(),
        ProtocolError::ReservedBits
    );
}

#[test]
fn bad_compressed_data_closes_with_1007() {
    let frame = client_frame(true, 0x2, true, &[0xff, 0xfe, 0xfd, 0xfc, 0xfb]);
    let err = server_decoder(1000).decode(&frame).unwrap_err();
    assert_eq!(err, ProtocolError::BadCompression);
    assert_eq!(err.close_code(), 1007);
}

#[test]
fn a_deflate_bomb_closes_with_1009() {
    // 5 MB of zeros compress to about 5 KB: under the limit on the wire, far over it inflated.
    let bomb = client_deflate(&vec![0u8; 5_000_000]);
    assert!(bomb.len() < 20_000, "{}", bomb.len());
    let err = server_decoder(100_000)
        .decode(&client_frame(true, 0x2, true, &bomb))
        .unwrap_err();
    assert_eq!(err, ProtocolError::TooLarge);
    assert_eq!(err.close_code(), 1009);
}

#[test]
fn a_client_decoder_reads_unmasked_compressed_server_frames() {
    let mut deflater = Deflater::new(
        Role::Server,
        &DeflateParams::default(),
        &PerMessageDeflate::default(),
    );
    let mut data = Vec::new();
    assert!(deflater.compress(b"4hello", &mut data));
    let mut frame = Vec::new();
    encode_frame_header(&mut frame, OpCode::Text, data.len(), true, None);
    frame.extend_from_slice(&data);
    let mut decoder =
        Decoder::client(1000).with_deflate(Inflater::new(Role::Client, &DeflateParams::default()));
    assert_eq!(
        decoder.decode(&frame).unwrap().message,
        Some(Message::Text(Str::from("4hello")))
    );
    // A masked frame from a server is refused.
    let masked = client_frame(true, 0x1, false, b"4hi");
    assert_eq!(
        Decoder::client(1000).decode(&masked).unwrap_err(),
        ProtocolError::Masked
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any message, compressed by a client with or without context takeover and cut into
        /// fragments anywhere, comes out of the decoder as it went in.
        #[test]
        fn compressed_messages_round_trip(
            messages in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..3000), 1..6),
            no_takeover in any::<bool>(),
            cut in 1usize..500,
        ) {
            let params = DeflateParams { client_no_context_takeover: no_takeover, ..DeflateParams::default() };
            let mut deflater = Deflater::new(Role::Client, &params, &PerMessageDeflate::default());
            let mut decoder = Decoder::new(1 << 20).with_deflate(Inflater::new(Role::Server, &params));
            for message in messages {
                let mut data = Vec::new();
                prop_assert!(deflater.compress(&message, &mut data));
                let mut input = Vec::new();
                let pieces: Vec<&[u8]> = data.chunks(cut).collect();
                for (i, piece) in pieces.iter().enumerate() {
                    let opcode = if i == 0 { 0x2 } else { 0x0 };
                    input.extend(client_frame(i + 1 == pieces.len(), opcode, i == 0, piece));
                }
                if pieces.is_empty() {
                    input.extend(client_frame(true, 0x2, true, &[]));
                }
                let got = decode_all(&mut decoder, &input).unwrap();
                prop_assert_eq!(got, vec![Message::Binary(bytes::Bytes::from(message))]);
            }
        }

        /// Arbitrary bytes in a compressed frame are a message, 1007 or 1009, never a panic, and never
        /// more than the limit.
        #[test]
        fn arbitrary_compressed_data_never_panics(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
            match server_decoder(4096).decode(&client_frame(true, 0x2, true, &data)) {
                Ok(d) => {
                    if let Some(Message::Binary(b)) = d.message {
                        prop_assert!(b.len() <= 4096);
                    }
                }
                Err(e) => prop_assert!(matches!(e, ProtocolError::BadCompression | ProtocolError::TooLarge)),
            }
        }
    }
}
