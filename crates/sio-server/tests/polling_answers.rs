//! The answers to odd polling requests, sent as the same raw bytes to sio and to the official engine.io
//! server (npm engine.io 6.6 on Node's http server) side by side: status, body, and whether the
//! session survives must agree. Node's `requestTimeout`, `headersTimeout` and `keepAliveTimeout` are
//! set short, and sio's `request_timeout` and `headers_timeout` to the same values.

mod engine_support;

use engine_support::{fast_config, Fixture, NodeEngine};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MAX: usize = 64;
const REQUEST_TIMEOUT: Duration = Duration::from_millis(1500);
const HEADERS_TIMEOUT: Duration = Duration::from_millis(1000);

/// sio and Node, configured alike.
struct Peers {
    _sio: Fixture,
    _node: NodeEngine,
    servers: [(&'static str, SocketAddr); 2],
}

async fn peers() -> Peers {
    let sio = Fixture::start(
        fast_config()
            .max_http_buffer_size(MAX)
            .request_timeout(REQUEST_TIMEOUT)
            .headers_timeout(HEADERS_TIMEOUT),
    )
    .await;
    let node = NodeEngine::start_with_http(
        serde_json::json!({ "maxHttpBufferSize": MAX, "pingInterval": 30000, "pingTimeout": 20000 }),
        serde_json::json!({
            "requestTimeout": REQUEST_TIMEOUT.as_millis() as u64,
            "headersTimeout": HEADERS_TIMEOUT.as_millis() as u64,
            "keepAliveTimeout": 300,
            "connectionsCheckingInterval": 100,
        }),
    )
    .await;
    let servers = [("sio", sio.server.local_addr()), ("node", node.addr)];
    Peers {
        _sio: sio,
        _node: node,
        servers,
    }
}

/// What a server answered on a connection, read until it closed it.
#[derive(Debug, PartialEq)]
struct Answer {
    /// The status, `None` when the connection closed without an answer.
    status: Option<u16>,
    body: Vec<u8>,
}

/// Writes `request` on a new connection and reads until the server closes it (within 10 s).
async fn exchange(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    // A server may answer and close before a long request is all written: what it answered counts.
    let _ = tcp.write_all(request).await;
    read_answer(&mut tcp).await
}

async fn read_answer(tcp: &mut TcpStream) -> Answer {
    let mut raw = Vec::new();
    // A reset after the answer (Node closes with unread bytes) still leaves what was read.
    let _ = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut raw))
        .await
        .expect("the server closes the connection within 10 s");
    parse(&raw)
}

fn parse(raw: &[u8]) -> Answer {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        assert!(raw.is_empty(), "a cut answer: {raw:?}");
        return Answer {
            status: None,
            body: Vec::new(),
        };
    };
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let mut body = raw[end + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Answer {
        status: Some(status),
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..eol]).unwrap().trim(), 16)
            .expect("a chunk size");
        if size == 0 {
            break;
        }
        body.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        raw = &raw[eol + 2 + size + 2..];
    }
    body
}

async fn handshake(addr: SocketAddr) -> String {
    let answer = exchange(
        addr,
        b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(answer.status, Some(200));
    let v: serde_json::Value = serde_json::from_slice(&answer.body[1..]).expect("open packet");
    v["sid"].as_str().expect("sid").to_owned()
}

/// The head of a POST on `sid` declaring `length` bytes of body.
fn post_head(sid: &str, length: usize) -> Vec<u8> {
    format!(
        "POST /engine.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nhost: x\r\n\
         content-type: text/plain;charset=UTF-8\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
    )
    .into_bytes()
}

async fn post(addr: SocketAddr, sid: &str, body: &[u8]) -> Answer {
    let mut request = post_head(sid, body.len());
    request.extend_from_slice(body);
    exchange(addr, &request).await
}

async fn get(addr: SocketAddr, sid: &str) -> Answer {
    let request = format!(
        "GET /engine.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    );
    exchange(addr, request.as_bytes()).await
}

/// Whether the session still takes messages: a POST on it is `ok` over a second (a session that closes
/// answers the unknown-sid 400 to one of them).
async fn survives(addr: SocketAddr, sid: &str) -> bool {
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if post(addr, sid, b"6").await.status != Some(200) {
            return false;
        }
    }
    true
}

const OK: &[u8] = b"ok";

#[tokio::test]
async fn a_payload_that_does_not_decode_or_breaks_the_protocol_is_ok_and_closes_the_session() {
    let peers = peers().await;
    // Empty, not a packet, an empty packet last, an unknown type, a ping from the client.
    let bodies: [&[u8]; 5] = [b"", b"zzz", b"4a\x1e", b"4a\x1e9", b"2"];
    for body in bodies {
        for (name, addr) in peers.servers {
            let sid = handshake(addr).await;
            let answer = post(addr, &sid, body).await;
            assert_eq!(
                (answer.status, answer.body.as_slice()),
                (Some(200), OK),
                "{name}, {body:?}"
            );
            assert!(
                !survives(addr, &sid).await,
                "{name}, {body:?}: session kept"
            );
        }
    }
}

#[tokio::test]
async fn invalid_utf8_in_a_post_becomes_replacement_characters() {
    let peers = peers().await;
    let bodies: [&[u8]; 3] = [
        b"4a\xffb",
        b"4\xe2\x82x\xc0\xaf!",
        b"4\xed\xa0\x80\x1e4ok\xf0\x9f\x98",
    ];
    for body in bodies {
        let mut echoed = Vec::new();
        for (name, addr) in peers.servers {
            let sid = handshake(addr).await;
            let answer = post(addr, &sid, body).await;
            assert_eq!(answer.status, Some(200), "{name}, {body:?}");
            let poll = get(addr, &sid).await;
            assert_eq!(poll.status, Some(200), "{name}, {body:?}");
            assert!(survives(addr, &sid).await, "{name}, {body:?}: session lost");
            echoed.push(poll.body);
        }
        let expected = String::from_utf8_lossy(body).into_owned().into_bytes();
        assert_eq!(echoed, [expected.clone(), expected], "{body:?}");
    }
}

#[tokio::test]
async fn an_oversized_post_is_413_and_the_session_stays() {
    let peers = peers().await;
    // Past the limit in its first chunk, and a body of many chunks still arriving when refused.
    for size in [MAX * 2, 512 * 1024] {
        let body = format!("4{}", "x".repeat(size));
        for (name, addr) in peers.servers {
            let sid = handshake(addr).await;
            let answer = post(addr, &sid, body.as_bytes()).await;
            assert_eq!(answer.status, Some(413), "{name}, {size} bytes");
            assert!(
                survives(addr, &sid).await,
                "{name}, {size} bytes: session lost"
            );
        }
    }
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_408_and_closes_the_session() {
    let peers = peers().await;
    for (name, addr) in peers.servers {
        let sid = handshake(addr).await;
        let mut request = post_head(&sid, 10);
        request.extend_from_slice(b"4ab");
        let begun = Instant::now();
        let answer = exchange(addr, &request).await;
        let waited = begun.elapsed();
        assert_eq!(
            answer,
            Answer {
                status: Some(408),
                body: Vec::new()
            },
            "{name}"
        );
        assert!(waited >= REQUEST_TIMEOUT / 2, "{name}: {waited:?}");
        assert!(!survives(addr, &sid).await, "{name}: session kept");
    }
}

#[tokio::test]
async fn a_request_head_that_stops_arriving_is_408() {
    let peers = peers().await;
    let heads: [&[u8]; 2] = [
        b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nhost: x\r\n",
        b"",
    ];
    for head in heads {
        for (name, addr) in peers.servers {
            let begun = Instant::now();
            let answer = exchange(addr, head).await;
            let waited = begun.elapsed();
            assert_eq!(
                answer,
                Answer {
                    status: Some(408),
                    body: Vec::new()
                },
                "{name}, {head:?}"
            );
            assert!(waited >= HEADERS_TIMEOUT / 2, "{name}: {waited:?}");
        }
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_closes_without_an_answer() {
    let peers = peers().await;
    for (name, addr) in peers.servers {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.write_all(b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .expect("write");
        let mut raw = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut raw))
            .await
            .expect("closed in time");
        let text = String::from_utf8_lossy(&raw);
        assert!(text.starts_with("HTTP/1.1 200"), "{name}: {text}");
        assert_eq!(text.matches("HTTP/1.1").count(), 1, "{name}: {text}");
    }
}
