//! Every packet example of the Socket.IO v5 protocol document, encoded and decoded by the default parser.

use bytes::Bytes;
use sio_protocol::engine::{self, Frame};
use sio_protocol::parser::{DefaultParser, Parser};
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::value::Map;
use sio_protocol::Value;

fn bin(b: &'static [u8]) -> Value {
    Value::Binary(Bytes::from_static(b))
}

fn obj(entries: &[(&str, &str)]) -> Value {
    Value::Object(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect::<Map>(),
    )
}

/// (packet, wire text without the Engine.IO `4`, attachments)
fn vectors() -> Vec<(Packet, &'static str, Vec<&'static [u8]>)> {
    vec![
        (Packet::connect("/", None), "0", vec![]),
        (
            Packet::connect("/admin", Some(obj(&[("sid", "oSO0OpakMV_3jnilAAAA")]))),
            "0/admin,{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}",
            vec![],
        ),
        (
            Packet::connect_error("/", "Not authorized", None),
            "4{\"message\":\"Not authorized\"}",
            vec![],
        ),
        (Packet::event("/", "foo", vec![]), "2[\"foo\"]", vec![]),
        (
            Packet::event("/admin", "bar", vec![]),
            "2/admin,[\"bar\"]",
            vec![],
        ),
        (
            Packet::event("/", "baz", vec![bin(&[1, 2, 3, 4])]),
            "51-[\"baz\",{\"_placeholder\":true,\"num\":0}]",
            vec![&[1, 2, 3, 4]],
        ),
        (
            Packet::event("/admin", "baz", vec![bin(&[1, 2]), bin(&[3, 4])]),
            "52-/admin,[\"baz\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
            vec![&[1, 2], &[3, 4]],
        ),
        (
            Packet::event_with_ack("/", "foo", vec![], 12),
            "212[\"foo\"]",
            vec![],
        ),
        (
            Packet::ack("/admin", 13, vec!["bar".into()]),
            "3/admin,13[\"bar\"]",
            vec![],
        ),
        (
            Packet::ack("/", 15, vec!["bar".into(), bin(&[1, 2, 3, 4])]),
            "61-15[\"bar\",{\"_placeholder\":true,\"num\":0}]",
            vec![&[1, 2, 3, 4]],
        ),
        (Packet::disconnect("/"), "1", vec![]),
        (Packet::disconnect("/admin"), "1/admin,", vec![]),
        // The sample session.
        (
            Packet::connect_ok("/", "wZX3oN0bSVIhsaknAAAI"),
            "0{\"sid\":\"wZX3oN0bSVIhsaknAAAI\"}",
            vec![],
        ),
        (
            Packet::event("/", "hey", vec!["Jude".into()]),
            "2[\"hey\",\"Jude\"]",
            vec![],
        ),
        (Packet::event("/", "hello", vec![]), "2[\"hello\"]", vec![]),
        (Packet::connect("/admin", None), "0/admin,", vec![]),
        (
            Packet::connect_ok("/admin", "-G5j-67EZFp-q59rADQM"),
            "0/admin,{\"sid\":\"-G5j-67EZFp-q59rADQM\"}",
            vec![],
        ),
        (
            Packet::event_with_ack("/admin", "tellme", vec![], 1),
            "2/admin,1[\"tellme\"]",
            vec![],
        ),
        (
            Packet::ack("/admin", 1, vec![bin(b"\x00\xff")]),
            "61-/admin,1[{\"_placeholder\":true,\"num\":0}]",
            vec![b"\x00\xff"],
        ),
    ]
}

#[test]
fn encodes_every_documented_packet() {
    let parser = DefaultParser::new();
    for (packet, text, attachments) in vectors() {
        let encoded = parser.encode(&packet).unwrap();
        let mut want = vec![Frame::Text(format!("4{text}").into())];
        want.extend(
            attachments
                .iter()
                .map(|a| Frame::Binary(Bytes::from_static(a))),
        );
        assert_eq!(encoded.frames, want, "{text}");
    }
}

#[test]
fn decodes_every_documented_packet() {
    let parser = DefaultParser::new();
    for (packet, text, attachments) in vectors() {
        let mut decoder = parser.decoder();
        let mut got = decoder
            .decode(engine::Packet::Message((*text).into()))
            .unwrap();
        for (i, a) in attachments.iter().enumerate() {
            assert_eq!(got, None, "{text}: complete before attachment {i}");
            got = decoder
                .decode(engine::Packet::Binary(Bytes::from_static(a)))
                .unwrap();
        }
        assert_eq!(got, Some(packet), "{text}");
    }
}

#[test]
fn the_documented_typo_with_a_trailing_backtick_is_invalid_json() {
    // The protocol document shows `3/admin,13["bar"]` followed by a stray backtick.
    let mut decoder = DefaultParser::new().decoder();
    assert!(decoder
        .decode_frame(Frame::Text("43/admin,13[\"bar\"]`".into()))
        .is_err());
}

#[test]
fn decoded_packets_reencode_byte_for_byte() {
    let parser = DefaultParser::new();
    let texts = [
        "42[\"a\",{\"b\":[1,2.5,-3,true,null,\"\\n\"]},1e+21]",
        "42/ns,7[\"ev\",0.000001,1e-7]",
        "40{\"token\":\"abc\",\"nested\":{\"z\":1,\"a\":2}}",
        "44/x,{\"message\":\"no\",\"data\":{\"code\":3}}",
        "43/x,99[]",
    ];
    for text in texts {
        let packet = parser
            .decoder()
            .decode_frame(Frame::Text(text.into()))
            .unwrap()
            .unwrap();
        assert_eq!(
            parser.encode(&packet).unwrap().frames,
            vec![Frame::Text(text.into())],
            "{text}"
        );
    }
}

#[test]
fn numeric_event_names_read_as_strings() {
    let mut decoder = DefaultParser::new().decoder();
    let packet = decoder
        .decode_frame(Frame::Text("42[12,\"x\"]".into()))
        .unwrap()
        .unwrap();
    assert_eq!(packet, Packet::event("/", "12", vec!["x".into()]));
}

#[test]
fn binary_at_any_depth_and_reused_placeholders() {
    let parser = DefaultParser::new();
    let nested = Value::Object(
        [
            ("a".to_string(), Value::Array(vec![bin(b"x"), Value::Null])),
            (
                "b".to_string(),
                Value::Object([("c".to_string(), bin(b"y"))].into_iter().collect()),
            ),
        ]
        .into_iter()
        .collect(),
    );
    let packet = Packet::event("/", "deep", vec![nested, bin(b"z")]);
    let encoded = parser.encode(&packet).unwrap();
    assert_eq!(
        encoded.frames[0],
        Frame::Text(
            "453-[\"deep\",{\"a\":[{\"_placeholder\":true,\"num\":0},null],\"b\":{\"c\":{\"_placeholder\":true,\"num\":1}}},{\"_placeholder\":true,\"num\":2}]"
                .into()
        )
    );
    let mut decoder = parser.decoder();
    let mut out = None;
    for f in encoded.frames {
        out = decoder.decode_frame(f).unwrap();
    }
    assert_eq!(out, Some(packet));

    // The same attachment may be referenced twice, as a hand-written peer might do.
    let mut decoder = parser.decoder();
    decoder
        .decode_frame(Frame::Text(
            "451-[\"e\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":0}]"
                .into(),
        ))
        .unwrap();
    let p = decoder
        .decode_frame(Frame::Binary(Bytes::from_static(b"q")))
        .unwrap()
        .unwrap();
    assert_eq!(p, Packet::event("/", "e", vec![bin(b"q"), bin(b"q")]));
}

#[test]
fn binary_in_connect_is_written_as_node_buffer_json() {
    let packet = Packet::connect(
        "/",
        Some(Value::Object(
            [("k".to_string(), bin(&[1, 2]))].into_iter().collect(),
        )),
    );
    let encoded = DefaultParser::new().encode(&packet).unwrap();
    assert_eq!(
        encoded.frames,
        vec![Frame::Text(
            "40{\"k\":{\"type\":\"Buffer\",\"data\":[1,2]}}".into()
        )]
    );
    assert!(matches!(packet.data, PacketData::Connect(Some(_))));
}
