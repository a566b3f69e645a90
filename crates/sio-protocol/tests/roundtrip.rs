//! Property tests: encoding then decoding is the identity, for Engine.IO packets and payloads and for both
//! Socket.IO parsers.

use bytes::Bytes;
use proptest::prelude::*;
use sio_protocol::engine::{self, encode_payload, PayloadDecoder};
use sio_protocol::parser::{DefaultParser, Limits, MsgPackParser, Parser, RESERVED_EVENTS};
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::value::{js_string, Map};
use sio_protocol::Value;

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        (i64::MIN..0).prop_map(Value::from),
        // Integral floats are integers in JavaScript and come back as integers: only proper fractions here.
        any::<f64>()
            .prop_filter("finite, not integral", |f| f.is_finite()
                && f.fract() != 0.0)
            .prop_map(Value::from),
    ]
}

/// A JavaScript string: any text (a code point that stands for a lone surrogate in a `Value` arrives
/// escaped, as a peer's would) or any UTF-16, lone surrogates included.
fn js_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>().prop_map(|s| js_string::from_utf16(&s.encode_utf16().collect::<Vec<_>>())),
        1 => proptest::collection::vec(any::<u16>(), 0..8).prop_map(|u| js_string::from_utf16(&u)),
    ]
}

/// What a string becomes through msgpack: lone surrogates are U+FFFD.
fn through_msgpack(s: &str) -> String {
    let text = js_string::to_text_lossy(s);
    js_string::from_utf16(&text.encode_utf16().collect::<Vec<_>>())
}

fn value_through_msgpack(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(through_msgpack(s)),
        Value::Array(a) => Value::Array(a.iter().map(value_through_msgpack).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (through_msgpack(k), value_through_msgpack(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn packet_through_msgpack(p: &Packet) -> Packet {
    let data = match &p.data {
        PacketData::Connect(v) => PacketData::Connect(v.as_ref().map(value_through_msgpack)),
        PacketData::Disconnect => PacketData::Disconnect,
        PacketData::Event { event, args, id } => PacketData::Event {
            event: through_msgpack(event),
            args: args.iter().map(value_through_msgpack).collect(),
            id: *id,
        },
        PacketData::Ack { args, id } => PacketData::Ack {
            args: args.iter().map(value_through_msgpack).collect(),
            id: *id,
        },
        PacketData::ConnectError(v) => PacketData::ConnectError(value_through_msgpack(v)),
    };
    Packet::new(p.nsp.clone(), data)
}

fn leaf(binary: bool) -> BoxedStrategy<Value> {
    let base = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        js_text().prop_map(Value::String),
    ];
    if binary {
        prop_oneof![
            4 => base,
            1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Value::from),
        ]
        .boxed()
    } else {
        base.boxed()
    }
}

/// Any value, nested at most 4 levels below the top, binary only when `binary`.
fn value(binary: bool) -> impl Strategy<Value = Value> {
    leaf(binary).prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            // Keys without `_`, so that no generated object looks like an attachment placeholder.
            proptest::collection::vec(("[a-zA-Z0-9 é]{0,8}", inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map>())),
        ]
    })
}

fn object(binary: bool) -> impl Strategy<Value = Value> {
    proptest::collection::vec(("[a-z]{0,6}", value(binary)), 0..5)
        .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map>()))
}

fn nsp() -> impl Strategy<Value = String> {
    prop_oneof![Just("/".to_string()), "/[^,]{0,12}"]
}

fn event_name() -> impl Strategy<Value = String> {
    js_text().prop_filter("not reserved", |s| !RESERVED_EVENTS.contains(&s.as_str()))
}

/// Any packet; `binary_in_connect` allows binary in CONNECT and CONNECT_ERROR payloads (msgpack only:
/// the default parser writes those as JSON, like `JSON.stringify` does).
fn packet(binary_in_connect: bool) -> impl Strategy<Value = Packet> {
    let args = proptest::collection::vec(value(true).boxed(), 0..5);
    prop_oneof![
        (nsp(), proptest::option::of(object(binary_in_connect)))
            .prop_map(|(n, auth)| Packet::connect(n, auth)),
        nsp().prop_map(Packet::disconnect),
        (
            nsp(),
            event_name(),
            args.clone(),
            proptest::option::of(any::<u64>())
        )
            .prop_map(|(n, e, a, id)| match id {
                Some(id) => Packet::event_with_ack(n, e, a, id),
                None => Packet::event(n, e, a),
            }),
        (nsp(), any::<u64>(), args).prop_map(|(n, id, a)| Packet::ack(n, id, a)),
        (
            nsp(),
            js_text(),
            proptest::option::of(value(binary_in_connect))
        )
            .prop_map(|(n, m, d)| Packet::connect_error(n, m, d)),
        (nsp(), js_text()).prop_map(|(n, m)| Packet::new(
            n,
            sio_protocol::socket::PacketData::ConnectError(Value::String(m))
        )),
    ]
}

fn roundtrip(parser: &dyn Parser, p: &Packet) -> Option<Packet> {
    let encoded = parser.encode(p).unwrap();
    let mut decoder = parser.decoder();
    let n = encoded.frames.len();
    for (i, f) in encoded.frames.into_iter().enumerate() {
        let out = decoder.decode_frame(f).unwrap();
        if i + 1 < n {
            assert_eq!(out, None, "complete before its last frame");
        } else {
            return out;
        }
    }
    None
}

fn engine_packet() -> impl Strategy<Value = engine::Packet> {
    // The record separator cannot appear inside a polling payload's text.
    let text = "[^\u{1e}]{0,40}";
    prop_oneof![
        text.prop_map(|s| engine::Packet::Open(s.as_str().into())),
        Just(engine::Packet::Close),
        text.prop_map(|s| engine::Packet::Ping(s.as_str().into())),
        text.prop_map(|s| engine::Packet::Pong(s.as_str().into())),
        text.prop_map(|s| engine::Packet::Message(s.as_str().into())),
        proptest::collection::vec(any::<u8>(), 0..40)
            .prop_map(|b| engine::Packet::Binary(Bytes::from(b))),
        Just(engine::Packet::Upgrade),
        Just(engine::Packet::Noop),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn default_parser_round_trips(p in packet(false)) {
        // Generated packets may hold more binaries than the default limit of 10 attachments.
        let parser = DefaultParser::with_limits(Limits { max_attachments: 1000, ..Limits::default() });
        prop_assert_eq!(roundtrip(&parser, &p), Some(p));
    }

    #[test]
    fn msgpack_parser_round_trips(p in packet(true)) {
        prop_assert_eq!(roundtrip(&MsgPackParser::new(), &p), Some(packet_through_msgpack(&p)));
    }

    #[test]
    fn value_round_trips_through_serde(v in value(true)) {
        prop_assert_eq!(sio_protocol::value::to_value(&v).unwrap(), v.clone());
        prop_assert_eq!(sio_protocol::value::from_value::<Value>(v.clone()).unwrap(), v);
    }

    #[test]
    fn engine_frames_round_trip(p in engine_packet()) {
        prop_assert_eq!(p.encode().decode().unwrap(), p);
    }

    #[test]
    fn engine_payloads_round_trip(
        packets in proptest::collection::vec(engine_packet(), 1..8),
        chunk in 1usize..16,
    ) {
        let frames: Vec<_> = packets.iter().map(engine::Packet::encode).collect();
        let body = encode_payload(&frames);
        prop_assert_eq!(PayloadDecoder::decode_all(&body, body.len()).unwrap(), packets.clone());
        // Fed in chunks, the streaming decoder finds the same packets.
        let mut d = PayloadDecoder::new(body.len());
        let mut got = Vec::new();
        for c in body.chunks(chunk) {
            d.push(c).unwrap();
            while let Some(p) = d.next_packet() {
                got.push(p.unwrap());
            }
        }
        if let Some(p) = d.finish() {
            got.push(p.unwrap());
        }
        prop_assert_eq!(got, packets);
    }

    #[test]
    fn decoders_never_panic_on_text(s in any::<String>()) {
        let _ = DefaultParser::new().decoder().decode(engine::Packet::Message(s.as_str().into()));
        let _ = engine::Packet::decode_text(s.as_str().into());
    }

    #[test]
    fn msgpack_never_panics_on_bytes(b in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = MsgPackParser::new().decoder().decode_frame(engine::Frame::Binary(Bytes::from(b)));
    }
}
