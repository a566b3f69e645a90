//! Cross-check with the official npm parsers: our encodings are byte-identical to theirs, we decode theirs,
//! and they decode ours. Runs `node tests/js/protocol/crosscheck.js`.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use bytes::Bytes;
use serde_json::{json, Value as Json};
use sio_protocol::engine::Frame;
use sio_protocol::parser::{DefaultParser, MsgPackParser, Parser};
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::value::{js_string, Map};
use sio_protocol::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn tagged(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Number(n) => Json::Number(n.clone()),
        Value::String(s) => string(s),
        Value::Binary(b) => json!({ "$b": STANDARD.encode(b) }),
        Value::Array(a) => Json::Array(a.iter().map(tagged).collect()),
        Value::Object(o) => Json::Object(o.iter().map(|(k, v)| (key(k), tagged(v))).collect()),
    }
}

/// A string, or `{"$u16": [...]}` when it holds a lone surrogate (JSON text cannot carry one to Node).
fn string(s: &str) -> Json {
    let units = js_string::to_utf16(s);
    match String::from_utf16(&units) {
        Ok(text) => json!(text),
        Err(_) => json!({ "$u16": units }),
    }
}

/// A key, or `"$u16:[...]"` when it holds a lone surrogate.
fn key(k: &str) -> String {
    match string(k) {
        Json::String(text) => text,
        tagged => format!("$u16:{}", tagged["$u16"]),
    }
}

fn describe(p: &Packet) -> Json {
    let (kind, id, data) = match &p.data {
        PacketData::Connect(d) => (0, None, d.as_ref().map(tagged)),
        PacketData::Disconnect => (1, None, None),
        PacketData::Event { event, args, id } => {
            let mut data = vec![string(event)];
            data.extend(args.iter().map(tagged));
            (2, *id, Some(Json::Array(data)))
        }
        PacketData::Ack { args, id } => (3, Some(*id), Some(args.iter().map(tagged).collect())),
        PacketData::ConnectError(d) => (4, None, Some(tagged(d))),
    };
    let mut out = json!({ "type": kind, "nsp": p.nsp });
    if let Some(id) = id {
        out["id"] = json!(id);
    }
    if let Some(data) = data {
        out["data"] = data;
    }
    out
}

fn frame_json(f: &Frame) -> Json {
    match f {
        Frame::Text(t) => json!(t.strip_prefix('4').unwrap_or_else(|| panic!("no 4 in {t}"))),
        Frame::Binary(b) => json!({ "$b": STANDARD.encode(b) }),
    }
}

fn frame_from_json(j: &Json) -> Frame {
    match j {
        Json::String(s) => Frame::Text(format!("4{s}").into()),
        other => Frame::Binary(Bytes::from(
            STANDARD.decode(other["$b"].as_str().unwrap()).unwrap(),
        )),
    }
}

fn node(requests: &Json) -> Vec<Json> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    let mut child = Command::new("node")
        .arg("protocol/crosscheck.js")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node must be installed to cross-check with the official parsers");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(requests.to_string().as_bytes())
        .expect("write to node");
    drop(stdin);
    let out = child.wait_with_output().expect("node output");
    assert!(out.status.success(), "node failed: {:?}", out.status);
    serde_json::from_slice::<Vec<Json>>(&out.stdout).expect("node answers JSON")
}

fn bin(n: usize) -> Value {
    Value::Binary(Bytes::from(
        (0..n).map(|i| (i * 7 % 256) as u8).collect::<Vec<_>>(),
    ))
}

fn num(f: f64) -> Value {
    Value::from(f)
}

fn object(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map>(),
    )
}

fn cases() -> Vec<Packet> {
    let many_keys = Value::Object(
        (0..20)
            .map(|i| (format!("k{i}"), Value::from(i)))
            .collect::<Map>(),
    );
    let ints: Vec<Value> = [
        0i64,
        1,
        127,
        128,
        255,
        256,
        65535,
        65536,
        4294967295,
        4294967296,
        9007199254740991,
        -1,
        -32,
        -33,
        -128,
        -129,
        -32768,
        -32769,
        -2147483648,
        -2147483649,
        -9007199254740991,
    ]
    .into_iter()
    .map(Value::from)
    .collect();
    vec![
        Packet::connect("/", None),
        Packet::connect("/admin", Some(object(vec![("token", "abc".into())]))),
        Packet::connect_ok("/", "oSO0OpakMV_3jnilAAAA"),
        Packet::disconnect("/"),
        Packet::disconnect("/admin"),
        Packet::connect_error("/", "Not authorized", None),
        Packet::connect_error("/a", "Refused", Some(object(vec![("code", 42.into())]))),
        Packet::event("/", "foo", vec![]),
        Packet::event(
            "/admin",
            "bar",
            vec!["x".into(), 1.into(), true.into(), Value::Null],
        ),
        Packet::event_with_ack("/", "foo", vec![], 12),
        Packet::event_with_ack("/chat", "big id", vec![], 4294967301),
        Packet::ack("/admin", 13, vec!["bar".into()]),
        Packet::ack("/", 0, vec![]),
        Packet::event("/", "baz", vec![bin(4)]),
        Packet::event("/admin", "baz", vec![bin(2), bin(2)]),
        Packet::ack("/", 15, vec!["bar".into(), bin(4)]),
        Packet::event(
            "/",
            "nested",
            vec![object(vec![
                (
                    "a",
                    Value::Array(vec![bin(1), Value::Null, object(vec![("b", bin(3))])]),
                ),
                ("c", "d".into()),
            ])],
        ),
        Packet::event("/", "ints", ints),
        Packet::event(
            "/",
            "floats",
            vec![
                num(0.1),
                num(-1.5),
                num(1.5e-7),
                num(123.456),
                num(-2.5e-300),
            ],
        ),
        // notepack.io writes integral numbers of 2^64 and beyond as uint64 modulo 2^64 (1e300 becomes 0);
        // we write them as float64, which it decodes to the right number. Only that case differs.
        Packet::event("/", "huge", vec![num(1e21), num(1e300), num(-1e300)]),
        Packet::event(
            "/",
            "strings",
            vec![
                "".into(),
                "quote\" backslash\\ slash/ \n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}".into(),
                "é ü 日本 😀 \u{2028}\u{2029}".into(),
                "x".repeat(31).into(),
                "y".repeat(32).into(),
                "z".repeat(255).into(),
                "w".repeat(256).into(),
                "v".repeat(70000).into(),
            ],
        ),
        Packet::event(
            "/",
            "arrays",
            vec![
                Value::Array((0..15).map(Value::from).collect()),
                Value::Array((0..16).map(Value::from).collect()),
                Value::Array((0..70000).map(|i| Value::from(i % 100)).collect()),
            ],
        ),
        Packet::event("/", "maps", vec![many_keys, object(vec![])]),
        Packet::event("/", "bins", vec![bin(0), bin(255), bin(256), bin(70000)]),
        Packet::event("/ns-with?query=1&é", "weird nsp", vec![]),
        Packet::event("/", "42", vec!["name that looks like a number".into()]),
        Packet::event("/", "many", (0..20).map(Value::from).collect()),
        // The shapes of the echo and ack benchmarks, and escapes on either side of an eight-byte word.
        Packet::event("/", "echo", vec!["x".repeat(32).into()]),
        Packet::event_with_ack("/", "ack", vec!["x".repeat(1024).into()], 17),
        Packet::ack("/", u64::from(u32::MAX), vec!["x".repeat(1024).into()]),
        Packet::event(
            "/",
            "na\"me\\",
            vec![
                "abcdefg\"hijklmn\\opqrstu\n".into(),
                "abcdefgh\u{1f}ijklmnop\u{0}".into(),
                format!("{}\"", "é".repeat(600)).into(),
                object(vec![("ke\"y\n", "\t".into())]),
            ],
        ),
        Packet::ack(
            "/admin",
            7,
            vec![num(0.5), num(-1e-7), (-9007199254740991i64).into()],
        ),
    ]
}

#[test]
fn encodings_match_the_official_parsers_and_decode_both_ways() {
    let default = DefaultParser::new();
    let msgpack = MsgPackParser::new();
    let packets = cases();
    let ours: Vec<_> = packets
        .iter()
        .map(|p| (default.encode(p).unwrap(), msgpack.encode(p).unwrap()))
        .collect();

    let mut requests = Vec::new();
    for (p, (d, m)) in packets.iter().zip(&ours) {
        requests.push(json!({ "op": "encode", "packet": describe(p) }));
        requests.push(json!({ "op": "decodeDefault", "frames": d.frames.iter().map(frame_json).collect::<Vec<_>>() }));
        let Frame::Binary(mp) = &m.frames[0] else {
            panic!("msgpack frame is binary")
        };
        requests.push(json!({ "op": "decodeMsgpack", "frame": STANDARD.encode(mp) }));
    }
    let answers = node(&Json::Array(requests));
    assert_eq!(answers.len(), packets.len() * 3);

    for (i, (p, (d, m))) in packets.iter().zip(&ours).enumerate() {
        let what = format!(
            "case {i}: {:?}",
            describe(p)
                .to_string()
                .chars()
                .take(120)
                .collect::<String>()
        );
        let [theirs, decoded_default, decoded_msgpack] = &answers[i * 3..i * 3 + 3] else {
            unreachable!()
        };

        // Byte-identical encodings.
        let their_default: Vec<Frame> = theirs["default"]
            .as_array()
            .unwrap()
            .iter()
            .map(frame_from_json)
            .collect();
        assert_eq!(d.frames, their_default, "default encoding, {what}");
        let their_msgpack = STANDARD
            .decode(theirs["msgpack"].as_str().unwrap())
            .unwrap();
        if describe(p)["data"][0] != "huge" {
            assert_eq!(
                m.frames,
                vec![Frame::Binary(Bytes::from(their_msgpack.clone()))],
                "msgpack encoding, {what}"
            );
        }

        // They decode ours.
        assert_eq!(
            decoded_default["packet"],
            describe(p),
            "official default decoder, {what}"
        );
        assert_eq!(
            decoded_msgpack["packet"],
            describe(p),
            "official msgpack decoder, {what}"
        );

        // We decode theirs.
        let mut decoder = default.decoder();
        let mut got = None;
        for f in their_default {
            got = decoder.decode_frame(f).unwrap();
        }
        assert_eq!(got.as_ref(), Some(p), "our default decoder, {what}");
        if describe(p)["data"][0] != "huge" {
            let got = msgpack
                .decoder()
                .decode_frame(Frame::Binary(Bytes::from(their_msgpack)))
                .unwrap();
            assert_eq!(got.as_ref(), Some(p), "our msgpack decoder, {what}");
        }
    }
}

#[test]
fn integral_floats_encode_as_javascript_integers() {
    // 3.0 is the number 3 in JavaScript: both parsers must write it as an integer.
    let p = Packet::event("/", "f", vec![num(3.0), num(-0.0), num(-7.0), num(1e15)]);
    let as_ints = Packet::event(
        "/",
        "f",
        vec![
            3.into(),
            0.into(),
            (-7).into(),
            1_000_000_000_000_000u64.into(),
        ],
    );
    let requests = json!([{ "op": "encode", "packet": describe(&as_ints) }]);
    let answers = node(&requests);
    let theirs = &answers[0];
    let d = DefaultParser::new().encode(&p).unwrap();
    assert_eq!(d.frames[0], frame_from_json(&theirs["default"][0]));
    let m = MsgPackParser::new().encode(&p).unwrap();
    let their_msgpack = STANDARD
        .decode(theirs["msgpack"].as_str().unwrap())
        .unwrap();
    assert_eq!(m.frames, vec![Frame::Binary(Bytes::from(their_msgpack))]);
}

/// A string from UTF-16 code units, lone surrogates included.
fn js(units: &[u16]) -> Value {
    Value::String(js_string::from_utf16(units))
}

/// Strings cut in the middle of an emoji, as the official client sends them (`JSON.stringify` escapes a lone
/// surrogate): we write what the official parsers write, read what they write, and a lone surrogate goes
/// back to Node unchanged (default parser) or as U+FFFD (msgpack, as Node's UTF-8 encoder does).
#[test]
fn lone_surrogates_cross_the_official_parsers() {
    let emoji: Vec<u16> = "a😀".encode_utf16().collect();
    let cut = &emoji[..2];
    let packets = [
        Packet::event("/", "echo", vec![js(cut)]),
        Packet::event_with_ack(
            "/chat",
            "echo",
            vec![
                js(&[0xdc00]),
                js(&[0xd800, 0x41, 0xdfff, 0xd83d, 0xd83d, 0xde00]),
                object(vec![("k", js(&[0xdbff]))]),
                Value::Array(vec![js(&[0xde00, 0xd83d]), bin(3)]),
            ],
            7,
        ),
        Packet::ack("/", 3, vec![js(&[0xd800])]),
        Packet::new(
            "/",
            PacketData::Event {
                event: js_string::from_utf16(&[0x65, 0xd800]),
                // What stands for a lone surrogate, sent for real by Node.
                args: vec![js(&"\u{10D800}\u{10FFFF}x"
                    .encode_utf16()
                    .collect::<Vec<_>>())],
                id: None,
            },
        ),
    ];
    let mut map = Map::new();
    map.insert(js_string::from_utf16(&[0xd800]), Value::from(1));
    let packets: Vec<Packet> = packets
        .into_iter()
        .chain([Packet::event("/", "keys", vec![Value::Object(map)])])
        .collect();
    let default = DefaultParser::new();
    let msgpack = MsgPackParser::new();
    let mut requests = Vec::new();
    for p in &packets {
        let d = default.encode(p).unwrap();
        let Frame::Binary(m) = &msgpack.encode(p).unwrap().frames[0] else {
            panic!("msgpack frame is binary")
        };
        requests.push(json!({ "op": "encode", "packet": describe(p) }));
        requests.push(json!({ "op": "decodeDefault", "frames": d.frames.iter().map(frame_json).collect::<Vec<_>>() }));
        requests.push(json!({ "op": "decodeMsgpack", "frame": STANDARD.encode(m) }));
    }
    let answers = node(&Json::Array(requests));
    for (i, p) in packets.iter().enumerate() {
        let [theirs, decoded_default, decoded_msgpack] = &answers[i * 3..i * 3 + 3] else {
            unreachable!()
        };
        let their_default: Vec<Frame> = theirs["default"]
            .as_array()
            .unwrap()
            .iter()
            .map(frame_from_json)
            .collect();
        let ours = default.encode(p).unwrap();
        assert_eq!(ours.frames, their_default, "default encoding, case {i}");
        assert_eq!(
            decoded_default["packet"],
            describe(p),
            "Node reads ours, case {i}"
        );
        let mut decoder = default.decoder();
        let mut got = None;
        for f in their_default {
            got = decoder.decode_frame(f).unwrap();
        }
        assert_eq!(got.as_ref(), Some(p), "we read theirs, case {i}");

        // msgpack: we write a lone surrogate as U+FFFD, as notepack.io does for strings longer than 32
        // code units (shorter ones go through its own UTF-8 writer, which pairs a lone surrogate with the
        // next code unit); Node reads that as we do, and we read what it writes.
        let ours = msgpack.encode(p).unwrap().frames.remove(0);
        let back = msgpack.decoder().decode_frame(ours).unwrap().unwrap();
        assert!(
            !serde_json::to_string(&describe(&back))
                .unwrap()
                .contains("$u16"),
            "case {i}"
        );
        assert_eq!(
            decoded_msgpack["packet"],
            describe(&back),
            "Node reads our msgpack, case {i}"
        );
        let their_msgpack = Bytes::from(
            STANDARD
                .decode(theirs["msgpack"].as_str().unwrap())
                .unwrap(),
        );
        msgpack
            .decoder()
            .decode_frame(Frame::Binary(their_msgpack))
            .unwrap()
            .unwrap();
    }

    // A long string: notepack.io writes it with `Buffer.write`, byte for byte as we do.
    let long: Vec<u16> = "x"
        .repeat(40)
        .encode_utf16()
        .chain([0xd800, 0x79, 0xdc00])
        .collect();
    let p = Packet::event("/", "long", vec![js(&long)]);
    let answers = node(&json!([{ "op": "encode", "packet": describe(&p) }]));
    let theirs = STANDARD
        .decode(answers[0]["msgpack"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        msgpack.encode(&p).unwrap().frames,
        vec![Frame::Binary(Bytes::from(theirs))]
    );
}
