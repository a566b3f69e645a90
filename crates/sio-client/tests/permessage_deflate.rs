//! permessage-deflate with the official socket.io server (`perMessageDeflate: true`): sio-client
//! offers the extension when asked, inflates the server's compressed messages and compresses its own
//! from the threshold up; a tap in front of the server reports the RSV1 bit of every frame.

use serde::Deserialize;
use serde_json::json;
use sio_client::options::PerMessageDeflate;
use sio_client::{io, Options, Socket, TransportKind};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

/// A data frame the tap saw.
#[derive(Debug, Deserialize)]
struct Seen {
    dir: String,
    rsv1: bool,
    len: usize,
}

#[derive(Debug, Deserialize)]
struct Wire {
    heads: Vec<String>,
    frames: Vec<Seen>,
}

/// The Node server and its tap; the port is the tap's.
async fn start_server() -> (Child, u16) {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js/client/deflate_server.mjs");
    let mut child = Command::new("node")
        .arg(&script)
        .current_dir(script.parent().unwrap())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .expect("the server starts in time")
        .unwrap()
        .and_then(|l| l.strip_prefix("PORT ").map(|p| p.trim().parse().unwrap()))
        .expect("the server prints its port");
    (child, port)
}

async fn connected(port: u16, transports: Vec<TransportKind>, deflate: bool) -> Socket {
    let options = Options::default()
        .transports(transports)
        .force_new(true)
        .reconnection(false)
        .per_message_deflate(deflate.then(PerMessageDeflate::default));
    let socket = io(&format!("http://127.0.0.1:{port}/"), options).unwrap();
    tokio::time::timeout(WAIT, socket.connect())
        .await
        .expect("connects in time")
        .unwrap();
    socket
}

/// Asks for a `data` event of `size` bytes and checks it arrives whole.
async fn ask(socket: &Socket, size: usize) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let id = socket.on("data", move |e| {
        let _ = tx.send(e.data::<String>().unwrap());
    });
    socket.emit("send", &size).unwrap();
    let data = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(data, "x".repeat(size));
    socket.off(Some("data"), Some(id));
}

async fn wire(socket: &Socket) -> Wire {
    let wire: serde_json::Value = socket
        .timeout(WAIT)
        .emit_with_ack("wire", &())
        .await
        .unwrap();
    serde_json::from_value(wire).unwrap()
}

/// The length check of a message of `n` `y`s, sent by the client.
async fn send_long(socket: &Socket, n: usize) {
    let answer: serde_json::Value = socket
        .timeout(WAIT)
        .emit_with_ack("length", &"y".repeat(n))
        .await
        .unwrap();
    assert_eq!(answer, json!({ "length": n, "intact": true }));
}

async fn compressed_both_ways(transports: Vec<TransportKind>) {
    let (_server, port) = start_server().await;
    let socket = connected(port, transports, true).await;
    let on_websocket = || {
        socket
            .manager()
            .engine()
            .is_some_and(|e| e.transport() == TransportKind::WebSocket)
    };
    tokio::time::timeout(WAIT, async {
        while !on_websocket() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("on websocket in time");
    wire(&socket).await;
    ask(&socket, 20_000).await;
    ask(&socket, 20_000).await;
    send_long(&socket, 50_000).await;
    send_long(&socket, 10).await;
    let Wire { heads, frames } = wire(&socket).await;
    let head = heads.last().unwrap().to_ascii_lowercase();
    assert!(
        head.contains("\r\nsec-websocket-extensions: permessage-deflate"),
        "{head}"
    );
    let sent: Vec<&Seen> = frames.iter().filter(|f| f.dir == "c2s").collect();
    let received: Vec<&Seen> = frames.iter().filter(|f| f.dir == "s2c").collect();
    // The server (ws with context takeover) compresses every message; the two `data` events are
    // 20 KB each, the second much smaller than the first (it refers back to it).
    assert!(received.iter().all(|f| f.rsv1), "{received:?}");
    let big: Vec<usize> = received.iter().map(|f| f.len).filter(|&l| l > 20).collect();
    assert!(
        big.len() >= 2 && big[0] < 1000 && big[1] < big[0],
        "{received:?}"
    );
    // The client: small requests plain, the 50 KB message compressed.
    let long: Vec<&&Seen> = sent.iter().filter(|f| f.rsv1).collect();
    assert_eq!(long.len(), 1, "{sent:?}");
    assert!(long[0].len < 1000, "{sent:?}");
    assert!(
        sent.iter().filter(|f| !f.rsv1).all(|f| f.len < 1024),
        "{sent:?}"
    );
    socket.disconnect();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_both_ways_over_websocket() {
    compressed_both_ways(vec![TransportKind::WebSocket]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_both_ways_after_upgrade() {
    compressed_both_ways(vec![TransportKind::Polling, TransportKind::WebSocket]).await;
}

/// Without the option the client offers nothing: the server's answer names no extension and no
/// frame is compressed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_offer_by_default() {
    let (_server, port) = start_server().await;
    let socket = connected(port, vec![TransportKind::WebSocket], false).await;
    ask(&socket, 20_000).await;
    send_long(&socket, 50_000).await;
    let Wire { heads, frames } = wire(&socket).await;
    assert!(!heads
        .last()
        .unwrap()
        .to_ascii_lowercase()
        .contains("sec-websocket-extensions"));
    assert!(frames.iter().all(|f| !f.rsv1), "{frames:?}");
    socket.disconnect();
}
