//! Cross-check of the Engine.IO revision 3 payloads with the official engine.io-parser 2.2 (from npm
//! socket.io-client 2.5): for text and XHR2 clients, our payloads are byte-identical to its
//! `encodePayload`, and we decode what it encodes. Runs `node tests/js/protocol/eio3_crosscheck.js`.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use bytes::Bytes;
use serde_json::{json, Value as Json};
use sio_protocol::engine::v3::{encode_payload, PayloadDecoder};
use sio_protocol::engine::{Frame, Packet};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

fn describe(p: &Packet) -> Json {
    let (kind, data) = match p {
        Packet::Open(d) => ("open", d.as_str()),
        Packet::Close => ("close", ""),
        Packet::Ping(d) => ("ping", d.as_str()),
        Packet::Pong(d) => ("pong", d.as_str()),
        Packet::Message(d) => ("message", d.as_str()),
        Packet::Binary(b) => return json!({ "type": "message", "bin": STANDARD.encode(b) }),
        Packet::Upgrade => ("upgrade", ""),
        Packet::Noop => ("noop", ""),
    };
    if data.is_empty() {
        json!({ "type": kind })
    } else {
        json!({ "type": kind, "data": data })
    }
}

fn bin(n: usize) -> Packet {
    Packet::Binary(Bytes::from(
        (0..n).map(|i| (i * 31 % 256) as u8).collect::<Vec<_>>(),
    ))
}

fn cases() -> Vec<Vec<Packet>> {
    let text = |s: &str| Packet::Message(s.into());
    vec![
        vec![Packet::Open(
            r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#.into(),
        )],
        vec![text("0"), text("2[\"hello\",{\"a\":1}]")],
        vec![text("2[\"é€😀 and 𝄞\",\"1:2:\"]"), Packet::Pong("".into()), Packet::Noop],
        vec![Packet::Ping("probe".into()), Packet::Close, Packet::Upgrade],
        vec![text("51-[\"bin\",{\"_placeholder\":true,\"num\":0}]"), bin(4)],
        vec![bin(0), bin(1), bin(9), bin(10), bin(99), bin(100), bin(1000)],
        vec![text(&"x".repeat(12_345)), bin(70_000), text("😀".repeat(500).as_str())],
        vec![text("")],
    ]
}

fn node(requests: &Json) -> Vec<Json> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    let mut child = Command::new("node")
        .arg("protocol/eio3_crosscheck.js")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node must be installed to cross-check with the official parser");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(requests.to_string().as_bytes())
        .expect("write to node");
    drop(stdin);
    // The script exits on its own after 20 s at most; this bounds the wait for it too.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let out = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("node answers within 30 s")
        .expect("node output");
    assert!(out.status.success(), "node failed: {:?}", out.status);
    serde_json::from_slice::<Vec<Json>>(&out.stdout).expect("node answers JSON")
}

#[test]
fn payloads_are_byte_identical_to_engine_io_parser_2() {
    let cases = cases();
    let requests = Json::Array(
        cases
            .iter()
            .map(|packets| packets.iter().map(describe).collect())
            .collect(),
    );
    let answers = node(&requests);
    assert_eq!(answers.len(), cases.len());
    for (packets, answer) in cases.iter().zip(&answers) {
        let frames: Vec<Frame> = packets.iter().map(Packet::encode).collect();
        for (supports_binary, theirs) in [(false, &answer["text"]), (true, &answer["xhr2"])] {
            let ours = encode_payload(&frames, supports_binary);
            let their_bytes = STANDARD.decode(theirs["base64"].as_str().unwrap()).unwrap();
            let what = format!("{packets:?} (binary support: {supports_binary})");
            assert_eq!(ours.binary, theirs["binary"].as_bool().unwrap(), "{what}");
            assert_eq!(&ours.bytes[..], &their_bytes[..], "{what}");
            let decoded = PayloadDecoder::decode_all(&their_bytes, their_bytes.len(), ours.binary);
            assert_eq!(decoded.as_ref(), Ok(packets), "{what}");
        }
    }
}
