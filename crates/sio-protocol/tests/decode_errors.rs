//! Every typed decode error, from both parsers and the Engine.IO decoders; none of them panics.

use bytes::Bytes;
use sio_protocol::engine::{self, Frame, PayloadDecoder};
use sio_protocol::parser::{DecodeError, DefaultParser, Limits, MsgPackParser, Parser};
use sio_protocol::socket::Packet;
use sio_protocol::Value;

fn text(parser: &DefaultParser, frames: &[&str]) -> Result<Option<Packet>, DecodeError> {
    let mut d = parser.decoder();
    let mut last = Ok(None);
    for f in frames {
        last = d.decode_frame(Frame::Text((*f).into()));
        last.as_ref().map_err(Clone::clone)?;
    }
    last
}

fn default_err(t: &str) -> DecodeError {
    text(&DefaultParser::new(), &[t]).expect_err(t)
}

#[test]
fn unknown_type() {
    for t in ["47[\"a\"]", "49", "4x[]", "4", "4-1"] {
        assert_eq!(default_err(t), DecodeError::UnknownType, "{t}");
    }
}

#[test]
fn invalid_ack_id() {
    assert_eq!(
        default_err("4299999999999999999999[\"a\"]"),
        DecodeError::InvalidAckId
    );
    assert_eq!(default_err("43[\"no id\"]"), DecodeError::InvalidAckId);
}

#[test]
fn invalid_json() {
    for t in [
        "42[\"a\"",
        "42[\"a\",]",
        "40{bad}",
        "42[\"a\"]x",
        "42/nsp,[\"\\x\"]",
    ] {
        assert_eq!(default_err(t), DecodeError::InvalidPayload, "{t}");
    }
}

#[test]
fn payload_with_the_wrong_shape() {
    for t in [
        "42{\"a\":1}",
        "42[]",
        "42[true,1]",
        "42[null]",
        "42",
        "42/admin,",
        "431",
        "43/x,1{}",
        "41{}",
        "41[]",
        "40[]",
        "40\"str\"",
        "44[]",
        "44",
        "451-{\"_placeholder\":true,\"num\":0}",
        "451-[{}]",
        "461-1{}",
        "451-",
    ] {
        assert_eq!(default_err(t), DecodeError::InvalidShape, "{t}");
    }
}

#[test]
fn reserved_event_names() {
    for name in sio_protocol::parser::RESERVED_EVENTS {
        assert_eq!(
            default_err(&format!("42[\"{name}\"]")),
            DecodeError::ReservedEvent(name.to_string())
        );
        assert_eq!(
            default_err(&format!(
                "451-[\"{name}\",{{\"_placeholder\":true,\"num\":0}}]"
            )),
            DecodeError::ReservedEvent(name.to_string())
        );
    }
}

#[test]
fn attachment_count() {
    for t in [
        "45-[\"a\"]",
        "450-[\"a\"]",
        "451[\"a\"]",
        "45a-[\"a\"]",
        "46-1[]",
    ] {
        assert_eq!(default_err(t), DecodeError::InvalidAttachmentCount, "{t}");
    }
    assert_eq!(
        default_err("4511-[\"a\"]"),
        DecodeError::TooManyAttachments { limit: 10 }
    );
    assert_eq!(
        default_err("4599999999999999999999999-[\"a\"]"),
        DecodeError::TooManyAttachments { limit: 10 }
    );
    let two = DefaultParser::with_limits(Limits {
        max_attachments: 2,
        ..Limits::default()
    });
    assert!(text(&two, &["452-[\"a\"]"]).is_ok());
    assert_eq!(
        text(&two, &["453-[\"a\"]"]),
        Err(DecodeError::TooManyAttachments { limit: 2 })
    );
}

#[test]
fn placeholders_out_of_range() {
    for json in [
        "[\"a\",{\"_placeholder\":true,\"num\":1}]",
        "[\"a\",{\"_placeholder\":true,\"num\":-1}]",
        "[\"a\",{\"_placeholder\":true,\"num\":\"0\"}]",
        "[\"a\",{\"_placeholder\":true}]",
        "[\"a\",{\"x\":[{\"_placeholder\":true,\"num\":0.5}]}]",
    ] {
        let mut d = DefaultParser::new().decoder();
        assert_eq!(
            d.decode_frame(Frame::Text(format!("451-{json}").into())),
            Ok(None)
        );
        assert_eq!(
            d.decode_frame(Frame::Binary(Bytes::from_static(b"x"))),
            Err(DecodeError::InvalidPlaceholder),
            "{json}"
        );
    }
    // `_placeholder` other than `true` is plain data.
    let mut d = DefaultParser::new().decoder();
    d.decode_frame(Frame::Text(
        "451-[\"a\",{\"_placeholder\":1,\"num\":9},{\"_placeholder\":true,\"num\":0}]".into(),
    ))
    .unwrap();
    let p = d
        .decode_frame(Frame::Binary(Bytes::from_static(b"x")))
        .unwrap()
        .unwrap();
    assert_eq!(
        p,
        Packet::event(
            "/",
            "a",
            vec![
                serde_json::from_str::<Value>("{\"_placeholder\":1,\"num\":9}").unwrap(),
                Value::Binary(Bytes::from_static(b"x"))
            ]
        )
    );
}

#[test]
fn too_deep() {
    // 32 levels were refused before the default went to 128 (real payloads nest that deep).
    let ok = format!("42[\"a\",{}1{}]", "[".repeat(126), "]".repeat(126));
    assert!(text(&DefaultParser::new(), &[&ok]).is_ok());
    let deep = format!("42[\"a\",{}1{}]", "[".repeat(128), "]".repeat(128));
    assert_eq!(default_err(&deep), DecodeError::TooDeep { limit: 128 });
    let very = format!("42[\"a\",{}", "{\"k\":".repeat(100_000));
    assert_eq!(default_err(&very), DecodeError::TooDeep { limit: 128 });
    let mp = MsgPackParser::new();
    let frame = |depth: usize| {
        let mut frame = vec![0x83, 0xa4, b't', b'y', b'p', b'e', 0x02];
        // data: ["e", [[...null]]], `depth` levels with the event array.
        frame.extend_from_slice(&[0xa4, b'd', b'a', b't', b'a', 0x92, 0xa1, b'e']);
        frame.extend(std::iter::repeat_n(0x91, depth - 1));
        frame.push(0xc0);
        frame.extend_from_slice(&[0xa3, b'n', b's', b'p', 0xa1, b'/']);
        Frame::Binary(Bytes::from(frame))
    };
    assert!(mp.decoder().decode_frame(frame(128)).is_ok());
    assert_eq!(
        mp.decoder().decode_frame(frame(129)),
        Err(DecodeError::TooDeep { limit: 128 })
    );
}

#[test]
fn too_large() {
    let small = DefaultParser::with_limits(Limits {
        max_packet_size: 18,
        ..Limits::default()
    });
    assert!(text(&small, &["42[\"0123456789ab\"]"]).is_ok());
    assert_eq!(
        text(&small, &["42[\"0123456789abc\"]"]),
        Err(DecodeError::TooLarge { limit: 18 })
    );
    // Text and attachments together.
    let mut d = small.decoder();
    assert_eq!(
        d.decode_frame(Frame::Text(
            "451-[\"a\",{\"_placeholder\":true,\"num\":0}]".into()
        )),
        Err(DecodeError::TooLarge { limit: 18 })
    );
    let roomy = DefaultParser::with_limits(Limits {
        max_packet_size: 40,
        ..Limits::default()
    });
    let mut d = roomy.decoder();
    assert_eq!(
        d.decode_frame(Frame::Text(
            "462-1[{\"_placeholder\":true,\"num\":0}]".into()
        )),
        Ok(None)
    );
    assert_eq!(
        d.decode_frame(Frame::Binary(Bytes::from_static(b"abcd"))),
        Ok(None)
    );
    assert_eq!(
        d.decode_frame(Frame::Binary(Bytes::from_static(b"efgh"))),
        Err(DecodeError::TooLarge { limit: 40 })
    );
    let mp = MsgPackParser::with_limits(Limits {
        max_packet_size: 8,
        ..Limits::default()
    });
    let frame = MsgPackParser::new()
        .encode(&Packet::event("/", "e", vec![]))
        .unwrap()
        .frames
        .remove(0);
    assert_eq!(
        mp.decoder().decode_frame(frame),
        Err(DecodeError::TooLarge { limit: 8 })
    );
}

#[test]
fn unexpected_frames_and_recovery() {
    let parser = DefaultParser::new();
    let mut d = parser.decoder();
    assert_eq!(
        d.decode_frame(Frame::Binary(Bytes::from_static(b"x"))),
        Err(DecodeError::UnexpectedFrame)
    );
    assert_eq!(
        d.decode_frame(Frame::Text("2probe".into())),
        Err(DecodeError::UnexpectedFrame)
    );
    assert_eq!(
        d.decode_frame(Frame::Text("42[\"a\"]".trim_start_matches('4').into())),
        Err(DecodeError::UnexpectedFrame)
    );
    assert_eq!(
        d.decode_frame(Frame::Text(
            "451-[\"a\",{\"_placeholder\":true,\"num\":0}]".into()
        )),
        Ok(None)
    );
    assert_eq!(
        d.decode_frame(Frame::Text("42[\"b\"]".into())),
        Err(DecodeError::UnexpectedFrame)
    );
    // The partial packet is dropped; the decoder goes on.
    assert_eq!(
        d.decode_frame(Frame::Text("42[\"c\"]".into())),
        Ok(Some(Packet::event("/", "c", vec![])))
    );
    let mut m = MsgPackParser::new().decoder();
    assert_eq!(
        m.decode_frame(Frame::Text("42[\"a\"]".into())),
        Err(DecodeError::UnexpectedFrame)
    );
}

fn msgpack(bytes: &[u8]) -> Result<Option<Packet>, DecodeError> {
    MsgPackParser::new()
        .decoder()
        .decode_frame(Frame::Binary(Bytes::copy_from_slice(bytes)))
}

/// `{<entries>}` with `n` entries.
fn map(n: u8, entries: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![0x80 | n];
    for e in entries {
        out.extend_from_slice(e);
    }
    out
}

const TYPE2: &[u8] = b"\xa4type\x02";
const NSP: &[u8] = b"\xa3nsp\xa1/";
const DATA_A: &[u8] = b"\xa4data\x91\xa1a";

#[test]
fn msgpack_errors() {
    assert!(msgpack(&map(3, &[TYPE2, DATA_A, NSP])).unwrap().is_some());
    // Not a map, unknown or binary types.
    assert_eq!(msgpack(b"\x92\x01\x02"), Err(DecodeError::UnknownType));
    assert_eq!(
        msgpack(&map(3, &[b"\xa4type\x05", DATA_A, NSP])),
        Err(DecodeError::UnknownType)
    );
    assert_eq!(
        msgpack(&map(2, &[DATA_A, NSP])),
        Err(DecodeError::UnknownType)
    );
    assert_eq!(
        msgpack(&map(3, &[b"\xa4type\xa12", DATA_A, NSP])),
        Err(DecodeError::UnknownType)
    );
    // Namespace.
    assert_eq!(
        msgpack(&map(2, &[TYPE2, DATA_A])),
        Err(DecodeError::InvalidNamespace)
    );
    assert_eq!(
        msgpack(&map(3, &[TYPE2, DATA_A, b"\xa3nsp\x01"])),
        Err(DecodeError::InvalidNamespace)
    );
    assert_eq!(
        msgpack(&map(3, &[TYPE2, DATA_A, b"\xa3nsp\xa1a"])),
        Err(DecodeError::InvalidNamespace)
    );
    // Ack id.
    for id in [
        &b"\xa2id\xff"[..],
        b"\xa2id\xa11",
        b"\xa2id\xcb\x3f\xf8\0\0\0\0\0\0",
        b"\xa2id\xc0",
    ] {
        assert_eq!(
            msgpack(&map(4, &[TYPE2, DATA_A, id, NSP])),
            Err(DecodeError::InvalidAckId)
        );
    }
    // An integral float id is an integer in JavaScript.
    assert!(msgpack(&map(
        4,
        &[TYPE2, DATA_A, b"\xa2id\xcb\x40\x00\0\0\0\0\0\0", NSP]
    ))
    .is_ok());
    // Malformed msgpack: truncated, trailing bytes, the never-used 0xc1, lying lengths.
    let good = map(3, &[TYPE2, DATA_A, NSP]);
    assert_eq!(
        msgpack(&good[..good.len() - 1]),
        Err(DecodeError::InvalidPayload)
    );
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(msgpack(&trailing), Err(DecodeError::InvalidPayload));
    assert_eq!(
        msgpack(&map(3, &[TYPE2, b"\xa4data\xc1", NSP])),
        Err(DecodeError::InvalidPayload)
    );
    assert_eq!(
        msgpack(&map(3, &[TYPE2, b"\xa4data\xdd\xff\xff\xff\xff", NSP])),
        Err(DecodeError::InvalidPayload)
    );
    assert_eq!(
        msgpack(&map(3, &[TYPE2, b"\xa4data\xc6\xff\xff\xff\xff", NSP])),
        Err(DecodeError::InvalidPayload)
    );
    assert_eq!(msgpack(b""), Err(DecodeError::InvalidPayload));
    // Shapes.
    for data in [&b"\xa4data\x90"[..], b"\xa4data\x80", b"\xa4data\x91\xc3"] {
        assert_eq!(
            msgpack(&map(3, &[TYPE2, data, NSP])),
            Err(DecodeError::InvalidShape)
        );
    }
    assert_eq!(
        msgpack(&map(3, &[TYPE2, b"\xa4data\x91\xa7connect", NSP])),
        Err(DecodeError::ReservedEvent("connect".into()))
    );
}

#[test]
fn msgpack_accepts_javascript_extras() {
    // `undefined` values (fixext 1, type 0) are absent keys, an ArrayBuffer (ext 0) is binary, extra keys
    // such as the client's `options` are ignored.
    let packet = map(
        4,
        &[
            b"\xa4type\x00",
            b"\xa4data\x82\xa3sid\xa1x\xa3pid\xd4\x00\x00",
            b"\xa7options\x81\xa8compress\xc3",
            NSP,
        ],
    );
    let mut want = sio_protocol::value::Map::new();
    want.insert("sid".into(), "x".into());
    assert_eq!(
        msgpack(&packet),
        Ok(Some(Packet::connect("/", Some(Value::Object(want)))))
    );
    let ab = map(3, &[TYPE2, b"\xa4data\x92\xa1b\xc7\x02\x00\x01\x02", NSP]);
    assert_eq!(
        msgpack(&ab),
        Ok(Some(Packet::event(
            "/",
            "b",
            vec![Value::Binary(Bytes::from_static(&[1, 2]))]
        )))
    );
}

#[test]
fn engine_errors() {
    use engine::DecodeError as E;
    assert_eq!(engine::Packet::decode_text("".into()), Err(E::Empty));
    assert_eq!(
        engine::Packet::decode_text("9".into()),
        Err(E::UnknownType('9'))
    );
    assert_eq!(
        engine::Packet::decode_text_bytes(Bytes::from_static(b"4\xc3")),
        Err(E::InvalidUtf8)
    );
    assert_eq!(
        PayloadDecoder::decode_all(b"4a\x1eb%%", 100),
        Err(E::InvalidBase64)
    );
    assert_eq!(
        PayloadDecoder::decode_all(b"4abcdef", 3),
        Err(E::TooLarge { limit: 3 })
    );
}

#[test]
fn decoders_take_engine_messages_and_refuse_other_engine_packets() {
    let parser = DefaultParser::new();
    let mut d = parser.decoder();
    for other in [
        engine::Packet::Open("{}".into()),
        engine::Packet::Close,
        engine::Packet::Ping("probe".into()),
        engine::Packet::Pong("".into()),
        engine::Packet::Upgrade,
        engine::Packet::Noop,
    ] {
        assert_eq!(
            d.decode(other.clone()),
            Err(DecodeError::UnexpectedFrame),
            "{other:?}"
        );
        assert_eq!(
            MsgPackParser::new().decoder().decode(other.clone()),
            Err(DecodeError::UnexpectedFrame),
            "msgpack {other:?}"
        );
    }
    // The text of a message is what follows the Engine.IO `4`.
    assert_eq!(
        d.decode(engine::Packet::Message("2[\"a\"]".into())),
        Ok(Some(Packet::event("/", "a", vec![])))
    );
    assert_eq!(
        d.decode(engine::Packet::Message(
            "51-[\"b\",{\"_placeholder\":true,\"num\":0}]".into()
        )),
        Ok(None)
    );
    assert_eq!(
        d.decode(engine::Packet::Binary(Bytes::from_static(b"x"))),
        Ok(Some(Packet::event(
            "/",
            "b",
            vec![Value::Binary(Bytes::from_static(b"x"))]
        )))
    );
    assert_eq!(
        MsgPackParser::new()
            .decoder()
            .decode(engine::Packet::Message("2[\"a\"]".into())),
        Err(DecodeError::UnexpectedFrame)
    );
}

#[test]
fn the_size_limit_counts_the_engine_type_character() {
    let small = DefaultParser::with_limits(Limits {
        max_packet_size: 18,
        ..Limits::default()
    });
    // 17 bytes of message text make an 18-byte frame: at the limit.
    let at = "2[\"0123456789ab\"]";
    let over = "2[\"0123456789abc\"]";
    assert!(small
        .decoder()
        .decode(engine::Packet::Message(at.into()))
        .is_ok());
    assert_eq!(
        small.decoder().decode(engine::Packet::Message(over.into())),
        Err(DecodeError::TooLarge { limit: 18 })
    );
    assert_eq!(
        small
            .decoder()
            .decode_frame(Frame::Text(format!("4{over}").into())),
        Err(DecodeError::TooLarge { limit: 18 })
    );
}

/// A placeholder may be reused (the official decoder allows it), but every reference is one binary value
/// and one frame when the packet is sent on, as Node re-sends one per reference: the limits count them.
#[test]
fn reused_placeholders_count_against_the_limits() {
    let placeholders = |n: usize| {
        let ph = "{\"_placeholder\":true,\"num\":0}";
        format!("451-[\"e\",{}]", vec![ph; n].join(","))
    };
    let decode = |parser: &DefaultParser, n: usize, attachment: &'static [u8]| {
        let mut decoder = parser.decoder();
        assert_eq!(
            decoder.decode_frame(Frame::Text(placeholders(n).into())),
            Ok(None)
        );
        decoder.decode_frame(Frame::Binary(Bytes::from_static(attachment)))
    };
    let parser = DefaultParser::new();
    let p = decode(&parser, 10, b"q").unwrap().unwrap();
    let again = parser.encode(&p).unwrap();
    assert_eq!(
        again.frames.len(),
        11,
        "one frame per reference, as Node re-sends"
    );
    assert_eq!(
        decode(&parser, 11, b"q"),
        Err(DecodeError::TooManyAttachments { limit: 10 })
    );
    // Three references to 100 bytes make a packet of over 300 bytes.
    let small = DefaultParser::with_limits(Limits {
        max_packet_size: 250,
        ..Limits::default()
    });
    assert!(decode(&small, 1, &[7; 100]).unwrap().is_some());
    assert_eq!(
        decode(&small, 3, &[7; 100]),
        Err(DecodeError::TooLarge { limit: 250 })
    );
}
