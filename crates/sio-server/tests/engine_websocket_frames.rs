//! The websocket server's RFC 6455 rules, against a raw TCP peer writing frames byte by byte: masking,
//! reserved bits, opcodes, control frames, fragmentation, UTF-8, the size limit, ping and close. The
//! close frames answering broken input are compared byte for byte with the official engine.io server
//! (npm `ws`, run in Node).

mod engine_support;

use engine_support::{fast_config, Ev, Fixture, NodeEngine};
use sio_protocol::engine::Packet;
use sio_server::engine::{CloseReason, EngineConfig};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A websocket client on a bare TCP stream: it writes whatever frames a test builds.
struct Peer {
    tcp: TcpStream,
    read: Vec<u8>,
}

/// A frame from the server.
#[derive(Debug, PartialEq)]
struct ServerFrame {
    fin: bool,
    opcode: u8,
    payload: Vec<u8>,
}

/// A client frame; `mask: None` sends it unmasked (which a server must refuse).
fn frame(fin: bool, opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
    let bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(bit | n as u8),
        n if n <= 0xFFFF => {
            out.push(bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(m) => {
            out.extend_from_slice(&m);
            out.extend(payload.iter().zip(m.iter().cycle()).map(|(b, k)| b ^ k));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

const MASK: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);

fn text(s: &str) -> Vec<u8> {
    frame(true, 1, s.as_bytes(), MASK)
}

impl Peer {
    /// Opens a websocket-only session; returns the peer and the session id.
    async fn open(f: &Fixture) -> (Peer, String) {
        Peer::open_at(f.server.local_addr()).await
    }

    /// Opens a websocket-only session on the engine.io server at `addr` (sio's, or Node's).
    async fn open_at(addr: std::net::SocketAddr) -> (Peer, String) {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.set_nodelay(true).unwrap();
        let req = format!(
            "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        tcp.write_all(req.as_bytes()).await.unwrap();
        let mut peer = Peer {
            tcp,
            read: Vec::new(),
        };
        let head_end = loop {
            if let Some(i) = peer.read.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            assert!(peer.fill().await, "server closed during the handshake");
        };
        let head = String::from_utf8(peer.read.drain(..head_end).collect()).unwrap();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        // RFC 6455's example key and its accept value.
        assert!(
            head.to_ascii_lowercase()
                .contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
            "{head}"
        );
        let open = peer.next_frame().await.expect("open packet");
        assert_eq!(open.opcode, 1);
        let v: serde_json::Value = serde_json::from_slice(&open.payload[1..]).unwrap();
        (peer, v["sid"].as_str().unwrap().to_string())
    }

    /// Reads more bytes; false at EOF (or on a reset).
    async fn fill(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(10), self.tcp.read(&mut buf))
            .await
            .expect("read in time")
            .unwrap_or(0);
        self.read.extend_from_slice(&buf[..n]);
        n > 0
    }

    /// The next server frame, `None` at EOF. Server frames are never masked.
    async fn next_frame(&mut self) -> Option<ServerFrame> {
        loop {
            if self.read.len() >= 2 {
                assert_eq!(self.read[1] & 0x80, 0, "a server frame is masked");
                let (len, at) = match self.read[1] & 0x7f {
                    126 if self.read.len() >= 4 => {
                        (u16::from_be_bytes([self.read[2], self.read[3]]) as usize, 4)
                    }
                    127 if self.read.len() >= 10 => (
                        u64::from_be_bytes(self.read[2..10].try_into().unwrap()) as usize,
                        10,
                    ),
                    126 | 127 => (usize::MAX, 0),
                    n => (n as usize, 2),
                };
                if len != usize::MAX && self.read.len() >= at + len {
                    let fin = self.read[0] & 0x80 != 0;
                    let opcode = self.read[0] & 0x0f;
                    let payload = self.read[at..at + len].to_vec();
                    self.read.drain(..at + len);
                    return Some(ServerFrame {
                        fin,
                        opcode,
                        payload,
                    });
                }
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// Writes `bytes` one at a time, each in its own TCP segment.
    async fn send_bytewise(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.tcp.write_all(&[*b]).await.unwrap();
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.tcp.write_all(bytes).await.unwrap();
    }

    /// Skips frames up to the server's close frame: its status code and reason, then expects EOF.
    async fn expect_close(&mut self) -> (Option<u16>, String) {
        loop {
            let f = self.next_frame().await.expect("a close frame");
            if f.opcode == 8 {
                let code = (f.payload.len() >= 2)
                    .then(|| u16::from_be_bytes([f.payload[0], f.payload[1]]));
                let reason =
                    String::from_utf8(f.payload.get(2..).unwrap_or_default().to_vec()).unwrap();
                assert!(
                    self.next_frame().await.is_none(),
                    "nothing after the close frame"
                );
                return (code, reason);
            }
        }
    }
}

/// The close frame (status, reason) answering `bytes` on a fresh session of the official engine.io
/// server, with `maxHttpBufferSize` set to `max_payload`.
async fn official_close(bytes: &[u8], max_payload: usize) -> (Option<u16>, String) {
    let node = NodeEngine::start(serde_json::json!({ "maxHttpBufferSize": max_payload })).await;
    let (mut peer, _) = Peer::open_at(node.addr).await;
    peer.send(bytes).await;
    peer.expect_close().await
}

/// Sends `bytes` on a fresh session and expects the close frame the official server (npm `ws`) sends:
/// `code` and an empty reason, checked against Node too; the session closes with "transport error".
async fn refused_with(config: EngineConfig, bytes: &[u8], code: u16) {
    let max_payload = config.max_http_buffer_size;
    let mut f = Fixture::start(config).await;
    let (mut peer, sid) = Peer::open(&f).await;
    peer.send(bytes).await;
    let close = peer.expect_close().await;
    assert_eq!(close, (Some(code), String::new()));
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportError);
    assert_eq!(official_close(bytes, max_payload).await, close, "as Node's");
}

#[tokio::test]
async fn an_unmasked_frame_is_a_protocol_error() {
    refused_with(fast_config(), &frame(true, 1, b"4hi", None), 1002).await;
}

#[tokio::test]
async fn reserved_bits_unknown_opcodes_and_bad_control_frames_are_protocol_errors() {
    let mut rsv = text("4hi");
    rsv[0] |= 0x40;
    refused_with(fast_config(), &rsv, 1002).await;
    refused_with(fast_config(), &frame(true, 3, b"", MASK), 1002).await;
    refused_with(fast_config(), &frame(true, 9, &[b'p'; 126], MASK), 1002).await;
    refused_with(fast_config(), &frame(false, 9, b"p", MASK), 1002).await;
    refused_with(fast_config(), &frame(true, 0, b"4x", MASK), 1002).await;
}

#[tokio::test]
async fn text_that_is_not_utf8_closes_with_1007() {
    let mut bad = frame(false, 1, b"4caf\xc3", MASK);
    bad.extend(frame(true, 0, b"\x28", MASK));
    refused_with(fast_config(), &bad, 1007).await;
}

#[tokio::test]
async fn a_message_over_the_limit_across_fragments_closes_with_1009() {
    let config = fast_config().max_http_buffer_size(64);
    let mut parts = frame(false, 1, &[b'4'; 40], MASK);
    parts.extend(frame(true, 0, &[b'x'; 40], MASK));
    refused_with(config, &parts, 1009).await;
}

#[tokio::test]
async fn a_64_bit_length_with_its_top_bit_set_closes_with_1009() {
    // `ws` refuses lengths above 2^53 - 1 as too large (1009), not as a protocol error.
    let mut huge = vec![0x81, 0x80 | 127];
    huge.extend_from_slice(&(1u64 << 63).to_be_bytes());
    huge.extend_from_slice(&MASK.unwrap());
    refused_with(fast_config(), &huge, 1009).await;
}

#[tokio::test]
async fn bad_close_frames_are_refused_as_ws_refuses_them() {
    // One byte of payload, a status that may not be sent, a reason that is not UTF-8.
    refused_with(fast_config(), &frame(true, 8, &[3], MASK), 1002).await;
    refused_with(
        fast_config(),
        &frame(true, 8, &1005u16.to_be_bytes(), MASK),
        1002,
    )
    .await;
    let mut bad_reason = 1000u16.to_be_bytes().to_vec();
    bad_reason.extend_from_slice(b"caf\xc3");
    refused_with(fast_config(), &frame(true, 8, &bad_reason, MASK), 1007).await;
}

#[tokio::test]
async fn a_client_close_is_echoed_with_its_status_and_reason() {
    let mut payload = 4000u16.to_be_bytes().to_vec();
    payload.extend_from_slice("bye é".as_bytes());
    let close = frame(true, 8, &payload, MASK);
    let mut f = Fixture::start(fast_config()).await;
    let (mut peer, sid) = Peer::open(&f).await;
    peer.send(&close).await;
    let echoed = peer.expect_close().await;
    assert_eq!(echoed, (Some(4000), "bye é".to_string()));
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportClose);
    assert_eq!(official_close(&close, 1_000_000).await, echoed, "as Node's");
    // An empty close is answered with an empty one.
    let (mut peer, _) = Peer::open(&f).await;
    peer.send(&frame(true, 8, b"", MASK)).await;
    assert_eq!(peer.expect_close().await, (None, String::new()));
}

#[tokio::test]
async fn fragments_and_a_ping_between_them_split_across_tcp_writes() {
    let mut f = Fixture::start(fast_config()).await;
    let (mut peer, sid) = Peer::open(&f).await;
    let mut bytes = frame(false, 1, "4hé".as_bytes(), MASK);
    bytes.extend(frame(true, 9, b"are you there", MASK));
    bytes.extend(frame(false, 0, b"l", MASK));
    bytes.extend(frame(true, 0, b"lo", MASK));
    peer.send_bytewise(&bytes).await;
    let pong = peer.next_frame().await.unwrap();
    assert_eq!((pong.fin, pong.opcode), (true, 0xA));
    assert_eq!(pong.payload, b"are you there");
    let echo = peer.next_frame().await.unwrap();
    assert_eq!((echo.fin, echo.opcode), (true, 1));
    assert_eq!(echo.payload, "4héllo".as_bytes());
    assert_eq!(f.next_event().await, Ev::Open(sid.clone()));
    assert_eq!(
        f.next_event().await,
        Ev::Message(sid.clone(), Packet::Message("héllo".into()))
    );
    // A close from the client is answered with its status, and the session ends "transport close".
    let mut close = 1000u16.to_be_bytes().to_vec();
    close.extend_from_slice(b"bye");
    peer.send(&frame(true, 8, &close, MASK)).await;
    assert_eq!(peer.expect_close().await.0, Some(1000));
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportClose);
}

#[tokio::test]
async fn a_burst_in_one_write_and_a_large_message_in_pieces_are_echoed_in_order() {
    let mut f = Fixture::start(fast_config()).await;
    let (mut peer, sid) = Peer::open(&f).await;
    let mut burst = Vec::new();
    for i in 0..200 {
        burst.extend(text(&format!("4m{i}")));
    }
    peer.send(&burst).await;
    for i in 0..200 {
        let echo = peer.next_frame().await.unwrap();
        assert_eq!(echo.payload, format!("4m{i}").as_bytes());
    }
    // 300 KB of binary, written in uneven pieces: it arrives in many reads.
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let bytes = frame(true, 2, &big, MASK);
    for piece in bytes.chunks(7_777) {
        peer.send(piece).await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let echo = peer.next_frame().await.unwrap();
    assert_eq!(echo.opcode, 2);
    assert!(echo.payload == big, "binary echo differs");
    // An end of the connection without a close frame is "transport close".
    drop(peer);
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportClose);
}

#[tokio::test]
async fn the_node_ws_package_fragments_pings_and_closes() {
    let mut f = Fixture::start(fast_config()).await;
    let js = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    let out = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new("node")
            .arg("engine/ws_frames.js")
            .arg(f.server.local_addr().port().to_string())
            .current_dir(&js)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("node finished in time")
    .expect("node runs");
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert_eq!(
        seen,
        serde_json::json!({
            "open": true,
            "text": "4fragmented é",
            "binary": [1, 2, 3],
            "pong": "are you there",
            "close": 1000,
        })
    );
    let sid = match f.next_event().await {
        Ev::Open(sid) => sid,
        other => panic!("{other:?}"),
    };
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportClose);
}
