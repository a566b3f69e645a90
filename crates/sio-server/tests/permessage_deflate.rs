//! permessage-deflate against real peers: the official socket.io-client (npm `ws` underneath, which
//! offers the extension) and raw npm `ws` clients with their own offers, through a tap that reads the
//! RSV1 bit of every frame on the wire; and the `400` that `ws` answers to offers it cannot accept.

mod common;

use serde_json::json;
use sio_server::engine::PerMessageDeflate;
use sio_server::{AckSender, Server, ServerConfig, Socket, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server that sends what the Node script asks for: `data` events of a size, compressed or not,
/// binary ones, and the length of what it receives.
fn deflate_server(deflate: Option<PerMessageDeflate>) -> Server {
    let mut config = ServerConfig::default();
    config.engine = config.engine.per_message_deflate(deflate);
    let io = Server::new(config);
    io.on_connection(|socket: Socket| async move {
        socket.on("send", |s: Socket, ask: Value| async move {
            let size = ask.get("size").and_then(Value::as_u64).unwrap_or(0) as usize;
            let compress = ask.get("compress").and_then(Value::as_bool).unwrap_or(true);
            let _ = s.compress(compress).emit("data", &"x".repeat(size));
        });
        socket.on("send-binary", |s: Socket, size: usize| async move {
            let bytes = Value::Binary(vec![7u8; size].into());
            let _ = s.emit("binary", &bytes);
        });
        socket.on("echo", |s: Socket, text: String| async move {
            let _ = s.emit("echo", &text);
        });
        socket.on(
            "length",
            |_s: Socket, text: String, ack: AckSender| async move {
                let all_y = text.bytes().all(|b| b == b'y');
                let _ = ack.send(&json!({ "length": text.len(), "intact": all_y }));
            },
        );
    });
    io
}

async fn run(mode: &str, deflate: Option<PerMessageDeflate>) {
    let io = deflate_server(deflate);
    let (server, addr) = common::start(&io).await;
    common::run_node(
        "server/permessage_deflate.mjs",
        &[&format!("http://{addr}"), mode],
        Duration::from_secs(60),
    )
    .await;
    io.close().await;
    server.shutdown().await;
}

/// socket.io-client over websocket: the `101` names the extension; messages from 1024 bytes go out
/// with RSV1 (and much smaller), smaller ones and `compress(false)` ones without; with context
/// takeover a repeated message shrinks; the client's compressed messages arrive whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_client_over_websocket() {
    run("websocket", Some(PerMessageDeflate::default())).await;
}

/// The same after an upgrade from polling: the upgrade's `101` negotiates the extension.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_client_after_upgrade() {
    run("upgrade", Some(PerMessageDeflate::default())).await;
}

/// Off (the default): no extension in the `101` though the client offers it; no RSV1 anywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_by_default() {
    run("off", None).await;
}

/// Raw `ws` clients offering `server_no_context_takeover`, small windows and `client_no_context_takeover`:
/// the server honours them (npm `ws` resets its inflater and uses the small window, so a message
/// referring back, or farther than the window, would fail to inflate); compressed garbage is closed
/// with 1007, a deflate bomb with 1009, RSV1 without the extension with 1002.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_ws_offers_and_bad_input() {
    run("raw", Some(PerMessageDeflate::default())).await;
}

/// The server's own options, imposed on a client that offers the extension.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_options_are_imposed() {
    run(
        "server-options",
        Some(PerMessageDeflate {
            server_no_context_takeover: true,
            server_max_window_bits: Some(10),
            ..PerMessageDeflate::default()
        }),
    )
    .await;
}

/// The head of the answer to a websocket request carrying `extensions`.
async fn upgrade_answer(addr: std::net::SocketAddr, extensions: &str) -> String {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {addr}\r\n\
         Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Extensions: {extensions}\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(Duration::from_secs(5), async {
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tcp.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before the answer's head");
            answer.extend_from_slice(&buf[..n]);
        }
        // The 400's body follows its head; read it too when there is one.
        if answer.starts_with(b"HTTP/1.1 400") {
            while let Ok(n) = tcp.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                answer.extend_from_slice(&buf[..n]);
            }
        }
    })
    .await
    .expect("an answer within 5 s");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn offers_ws_cannot_accept_are_answered_400() {
    let strict = PerMessageDeflate {
        client_max_window_bits: Some(12),
        ..PerMessageDeflate::default()
    };
    let io = deflate_server(Some(strict));
    let (server, addr) = common::start(&io).await;
    for bad in [
        "permessage-deflate; foo",
        "permessage-deflate; server_max_window_bits=20",
        "permessage-deflate; client_no_context_takeover=1",
        "permessage-deflate; x=\"unterminated",
        // Valid, but the server requires a client window the client does not say it can limit.
        "permessage-deflate",
    ] {
        let answer = upgrade_answer(addr, bad).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{bad}: {answer}");
        assert!(
            answer.ends_with("Invalid or unacceptable Sec-WebSocket-Extensions header"),
            "{bad}: {answer}"
        );
    }
    let answer = upgrade_answer(
        addr,
        "x-unknown, permessage-deflate; client_max_window_bits",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 101"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains(
            "sec-websocket-extensions: permessage-deflate; client_max_window_bits=12\r\n"
        ),
        "{answer}"
    );
    io.close().await;
    server.shutdown().await;
}
