//! Every packet and payload example of the Engine.IO v4 protocol document.

use bytes::Bytes;
use sio_protocol::engine::{encode_payload, Frame, Handshake, Packet, PayloadDecoder};

#[test]
fn handshake_of_the_sample_session() {
    let wire = "0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":5000,\"maxPayload\":1000000}";
    let handshake = Handshake {
        sid: "lv_VI97HAXpY6yYWAAAC".into(),
        upgrades: vec!["websocket".into()],
        ping_interval: 25000,
        ping_timeout: 5000,
        max_payload: 1_000_000,
    };
    let packet = Packet::Open(handshake.to_json().into());
    assert_eq!(packet.encode(), Frame::Text(wire.into()));
    let Packet::Open(json) = Frame::Text(wire.into()).decode().unwrap() else {
        panic!("not an open packet")
    };
    assert_eq!(serde_json::from_str::<Handshake>(&json).unwrap(), handshake);
}

#[test]
fn polling_payloads() {
    let cases: [(&[u8], Vec<Packet>); 3] = [
        (
            b"4hello\x1e2\x1e4world",
            vec![
                Packet::Message("hello".into()),
                Packet::Ping("".into()),
                Packet::Message("world".into()),
            ],
        ),
        (
            b"4hello\x1ebAQIDBA==",
            vec![
                Packet::Message("hello".into()),
                Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
            ],
        ),
        (
            b"42[\"hello\"]\x1e42[\"world\"]",
            vec![
                Packet::Message("2[\"hello\"]".into()),
                Packet::Message("2[\"world\"]".into()),
            ],
        ),
    ];
    for (wire, packets) in cases {
        assert_eq!(
            PayloadDecoder::decode_all(wire, 1_000_000).unwrap(),
            packets
        );
        let frames: Vec<_> = packets.iter().map(Packet::encode).collect();
        assert_eq!(&encode_payload(&frames)[..], wire);
    }
}

#[test]
fn websocket_frames() {
    let cases = [
        (
            Frame::Text("4hello".into()),
            Packet::Message("hello".into()),
        ),
        (Frame::Text("2probe".into()), Packet::Ping("probe".into())),
        (Frame::Text("3probe".into()), Packet::Pong("probe".into())),
        (Frame::Text("5".into()), Packet::Upgrade),
        (Frame::Text("6".into()), Packet::Noop),
        (Frame::Text("2".into()), Packet::Ping("".into())),
        (Frame::Text("3".into()), Packet::Pong("".into())),
        (Frame::Text("1".into()), Packet::Close),
        (
            Frame::Binary(Bytes::from_static(&[1, 2, 3, 4])),
            Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
        ),
    ];
    for (frame, packet) in cases {
        assert_eq!(frame.decode().unwrap(), packet);
        assert_eq!(packet.encode(), frame);
    }
    // The header example: the text frame `4hello` is the six bytes 34 68 65 6c 6c 6f.
    let Frame::Text(t) = Packet::Message("hello".into()).encode() else {
        panic!("text frame")
    };
    assert_eq!(&t.as_bytes()[..], [0x34, 0x68, 0x65, 0x6c, 0x6c, 0x6f]);
}
