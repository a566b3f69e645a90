//! The message codec against bytes captured from Node (`socket.io-adapter` 2.5.8 `ClusterAdapterWithHeartbeat`,
//! `JSON.stringify` and notepack.io 3 of the published message), round trips, and garbage input.

use bytes::Bytes;
use sio_cluster::message::decode_value;
use sio_cluster::{ClusterMessage, CodecError, MessageBody, MessageType};
use sio_server::adapter::{BroadcastFlags, BroadcastOptions};
use sio_server::Value;
use std::time::Duration;

const UID: &str = "0123456789abcdef";

fn msg(body: MessageBody) -> ClusterMessage {
    ClusterMessage::new(UID, "/", body)
}

fn opts(rooms: &[&str], except: &[&str], flags: BroadcastFlags) -> BroadcastOptions {
    BroadcastOptions {
        rooms: rooms.iter().map(|r| r.to_string()).collect(),
        except: except.iter().map(|r| r.to_string()).collect(),
        flags,
    }
}

/// Messages and the JSON text Node published for them.
fn golden() -> Vec<(ClusterMessage, &'static str)> {
    vec![
        (
            msg(MessageBody::InitialHeartbeat),
            r#"{"type":1,"uid":"0123456789abcdef","nsp":"/"}"#,
        ),
        (
            msg(MessageBody::Broadcast {
                opts: opts(&[], &[], BroadcastFlags::default()),
                event: "hello".into(),
                args: vec![Value::from("world"), Value::from(1)],
                request_id: None,
            }),
            r#"{"type":3,"data":{"packet":{"type":2,"data":["hello","world",1]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"0123456789abcdef","nsp":"/"}"#,
        ),
        (
            msg(MessageBody::Broadcast {
                opts: opts(
                    &["room1"],
                    &["room2"],
                    BroadcastFlags {
                        volatile: true,
                        compress: Some(false),
                        ..Default::default()
                    },
                ),
                event: "ev".into(),
                args: vec![],
                request_id: None,
            }),
            r#"{"type":3,"data":{"packet":{"type":2,"data":["ev"]},"opts":{"rooms":["room1"],"except":["room2"],"flags":{"volatile":true,"compress":false}}},"uid":"0123456789abcdef","nsp":"/"}"#,
        ),
        (
            msg(MessageBody::Broadcast {
                opts: opts(
                    &[],
                    &[],
                    BroadcastFlags {
                        timeout: Some(Duration::from_millis(50)),
                        ..Default::default()
                    },
                ),
                event: "ask".into(),
                args: vec![],
                request_id: Some("1536f37b9133cd56".into()),
            }),
            r#"{"type":3,"data":{"packet":{"type":2,"data":["ask"]},"requestId":"1536f37b9133cd56","opts":{"rooms":[],"except":[],"flags":{"timeout":50}}},"uid":"0123456789abcdef","nsp":"/"}"#,
        ),
        (
            msg(MessageBody::SocketsJoin {
                opts: opts(&["room1"], &[], BroadcastFlags::default()),
                rooms: vec!["a".into(), "b".into()],
            }),
            r#"{"type":4,"data":{"opts":{"rooms":["room1"],"except":[],"flags":{}},"rooms":["a","b"]},"uid":"0123456789abcdef","nsp":"/"}"#,
        ),
        (
            msg(MessageBody::SocketsLeave {
                opts: opts(&["room1"], &[], BroadcastFlags::default()),
                rooms: vec!["a".into()],
            }),
            r#"{"type":5,"data":{"opts":{"rooms":["room1"],"except":[],"flags":{}},"rooms":["a"]},"uid":"0123456789abcdef","nsp":"/"}"#,
        ),
        (
            msg(MessageBody::DisconnectSockets {
                opts: opts(&[], &[], BroadcastFlags::default()),
                close: true,
            }),
            r#"{"type":6,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"close":true},"uid":"0123456789abcdef","nsp":"/"}"#,
        ),
        (
            msg(MessageBody::ServerSideEmit {
                event: "hello".into(),
                args: vec![Value::from("world"), Value::from(1)],
                request_id: None,
            }),
            r#"{"type":9,"data":{"packet":["hello","world",1]},"uid":"0123456789abcdef","nsp":"/"}"#,
        ),
        (
            msg(MessageBody::ServerSideEmit {
                event: "hello".into(),
                args: vec![],
                request_id: Some("11b0a6d50516180c".into()),
            }),
            r#"{"type":9,"data":{"requestId":"11b0a6d50516180c","packet":["hello"]},"uid":"0123456789abcdef","nsp":"/"}"#,
        ),
        (
            msg(MessageBody::BroadcastClientCount {
                request_id: "r1".into(),
                client_count: 2,
            }),
            r#"{"type":11,"data":{"requestId":"r1","clientCount":2},"uid":"0123456789abcdef","nsp":"/"}"#,
        ),
    ]
}

#[test]
fn json_is_what_node_publishes() {
    for (message, json) in golden() {
        let encoded = message.encode_json().unwrap();
        assert_eq!(std::str::from_utf8(&encoded).unwrap(), json);
        assert_eq!(message.encode_json_unless_binary().unwrap(), encoded);
        assert_eq!(ClusterMessage::decode(json.as_bytes()).unwrap(), message);
    }
}

#[test]
fn binary_broadcast_is_notepack_msgpack() {
    let message = msg(MessageBody::Broadcast {
        opts: BroadcastOptions::default(),
        event: "bin".into(),
        args: vec![Value::Binary(Bytes::from_static(&[1, 2]))],
        request_id: None,
    });
    let node = "84a47479706503a46461746182a67061636b657482a47479706502a46461746192a362696ec4020102\
                a46f70747383a5726f6f6d7390a665786365707490a5666c61677380a3756964b030313233343536\
                373839616263646566a36e7370a12f";
    let node: Vec<u8> = (0..node.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&node[i..i + 2], 16).unwrap())
        .collect();
    assert!(message.has_binary());
    assert_eq!(message.encode_json(), Err(CodecError::BinaryInJson));
    assert_eq!(message.encode_msgpack().unwrap(), node);
    assert_eq!(message.encode_json_unless_binary().unwrap(), node);
    assert_eq!(ClusterMessage::decode(&node).unwrap(), message);
}

#[test]
fn every_type_round_trips_in_both_encodings() {
    let handshake = r#"{"headers":{"host":"localhost:3000","accept":["a","b"]},"time":"Wed Dec 02 2026","address":"::1","xdomain":false,"secure":false,"issued":1780000000000,"url":"/socket.io/?EIO=4&transport=polling","query":{"EIO":"4","transport":"polling","x":["1","2"]},"auth":{"token":"t"}}"#;
    let response = format!(
        r#"{{"type":8,"data":{{"requestId":"r","sockets":[{{"id":"abcdefghijklmnopqrst","handshake":{handshake},"rooms":["abcdefghijklmnopqrst",7],"data":{{"b":1,"a":[true,null]}}}}]}},"uid":"n","nsp":"/admin"}}"#
    );
    let fetched = ClusterMessage::decode(response.as_bytes()).unwrap();
    let MessageBody::FetchSocketsResponse { sockets, .. } = &fetched.body else {
        panic!("not a fetch response: {fetched:?}");
    };
    assert_eq!(sockets[0].rooms, vec!["abcdefghijklmnopqrst", "7"]);
    assert_eq!(sockets[0].handshake.address(), "::1");
    assert_eq!(sockets[0].handshake.issued(), 1_780_000_000_000);
    assert_eq!(sockets[0].handshake.header("accept"), Some("a, b"));
    let data = serde_json::to_string(&sockets[0].data).unwrap();
    assert_eq!(data, r#"{"b":1,"a":[true,null]}"#, "keys keep their order");

    let mut all: Vec<ClusterMessage> = golden().into_iter().map(|(m, _)| m).collect();
    all.push(fetched);
    all.extend([
        msg(MessageBody::Heartbeat),
        msg(MessageBody::AdapterClose),
        msg(MessageBody::FetchSockets {
            opts: opts(&["r"], &["x"], BroadcastFlags::default()),
            request_id: "q".into(),
        }),
        msg(MessageBody::ServerSideEmitResponse {
            request_id: "q".into(),
            packet: Value::Binary(Bytes::from_static(b"\0\xff")),
        }),
        msg(MessageBody::BroadcastAck {
            request_id: "q".into(),
            packet: Value::from(vec![Value::from(1.5), Value::Null]),
        }),
    ]);
    for message in all {
        let packed = message.encode_msgpack().unwrap();
        assert_eq!(ClusterMessage::decode(&packed).unwrap(), message);
        let auto = message.encode_json_unless_binary().unwrap();
        assert_eq!(auto[0] == b'{', !message.has_binary());
        assert_eq!(ClusterMessage::decode(&auto).unwrap(), message);
    }
}

#[test]
fn lenient_reading_of_other_implementations() {
    // An emitter: packet with nsp, no flags, numeric rooms; a missing `packet` in an ack reads as null.
    let emitter = r#"{"type":3,"data":{"packet":{"type":2,"data":["e",1],"nsp":"/"},"opts":{"rooms":[1,2.5],"except":[]}},"uid":"emitter","nsp":"/"}"#;
    let MessageBody::Broadcast { opts, event, .. } =
        ClusterMessage::decode(emitter.as_bytes()).unwrap().body
    else {
        panic!("not a broadcast");
    };
    assert_eq!(event, "e");
    let mut rooms: Vec<_> = opts.rooms.into_iter().collect();
    rooms.sort();
    assert_eq!(rooms, vec!["1", "2.5"]);
    let ack = r#"{"type":12,"data":{"requestId":"r1"},"uid":"n","nsp":"/"}"#;
    assert_eq!(
        ClusterMessage::decode(ack.as_bytes()).unwrap().body,
        MessageBody::BroadcastAck {
            request_id: "r1".into(),
            packet: Value::Null
        }
    );
    // `local` never crosses; unknown flags are ignored.
    let local = r#"{"type":6,"data":{"opts":{"rooms":[],"except":[],"flags":{"local":true,"expectSingleResponse":true}}},"uid":"n"}"#;
    let decoded = ClusterMessage::decode(local.as_bytes()).unwrap();
    assert_eq!(decoded.nsp, "/");
    let MessageBody::DisconnectSockets { opts, close } = decoded.body else {
        panic!("not a disconnect");
    };
    assert!(!opts.flags.local && !close);
    let mut sent = msg(MessageBody::SocketsJoin {
        opts: opts.clone(),
        rooms: vec![],
    });
    if let MessageBody::SocketsJoin { opts, .. } = &mut sent.body {
        opts.flags.local = true;
    }
    assert!(!String::from_utf8(sent.encode_json().unwrap())
        .unwrap()
        .contains("local"));
    assert_eq!(MessageType::from_u8(13), Some(MessageType::AdapterClose));
    assert!(MessageType::BroadcastAck.is_response());
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let bad: &[&[u8]] = &[
        b"",
        b"{",
        b"{}",
        b"[1,2]",
        b"\xc1",
        b"\x84\xa4type",
        br#"{"type":99,"uid":"a","nsp":"/"}"#,
        br#"{"type":3,"uid":"a","nsp":"/"}"#,
        br#"{"type":3,"data":{"packet":{"type":3,"data":["x"]}},"uid":"a"}"#,
        br#"{"type":3,"data":{"packet":{"type":2,"data":[1]}},"uid":"a"}"#,
        br#"{"type":4,"data":{"opts":{"rooms":[{}]}},"uid":"a"}"#,
        br#"{"type":7,"data":{"opts":{}},"uid":"a"}"#,
        br#"{"type":8,"data":{"requestId":"r","sockets":[{"handshake":{}}]},"uid":"a"}"#,
        br#"{"type":11,"data":{"requestId":"r","clientCount":-1},"uid":"a"}"#,
        br#"{"type":"x","uid":"a"}"#,
        br#"{"type":1,"uid":5}"#,
        br#"{"type":1,"uid":"a"} trailing"#,
    ];
    for bytes in bad {
        assert!(
            ClusterMessage::decode(bytes).is_err(),
            "accepted {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(decode_value(format!("{{\"a\":{deep}}}").as_bytes()).is_err());
    assert!(decode_value(&[0x91; 10_000]).is_err());

    // Every truncation and single-byte change of valid messages: no panic.
    let mut samples: Vec<Vec<u8>> = golden()
        .iter()
        .map(|(m, _)| m.encode_msgpack().unwrap())
        .collect();
    samples.extend(golden().iter().map(|(_, json)| json.as_bytes().to_vec()));
    for sample in samples {
        for cut in 0..sample.len() {
            let _ = ClusterMessage::decode(&sample[..cut]);
            let mut changed = sample.clone();
            changed[cut] = changed[cut].wrapping_add(0x5b);
            let _ = ClusterMessage::decode(&changed);
        }
    }
    for _ in 0..2000 {
        let len = rand::random_range(0..64);
        let bytes: Vec<u8> = (0..len).map(|_| rand::random()).collect();
        let _ = ClusterMessage::decode(&bytes);
    }
}
