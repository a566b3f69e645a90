//! Socket.IO 2.x clients (npm `socket.io-client` 2.5, Engine.IO revision 3) against the server with
//! `allow_eio3` on: over polling, over websocket, and polling upgraded to websocket; text and binary
//! events both ways, acks both ways, a namespace with a query, middleware refusals, the client-driven
//! heartbeat, and a broadcast to 2.x and 4.x clients at once. Binary payloads (XHR2 clients) with the
//! client's bundle in Chromium, and with its own codecs from Node. With the option off, the official
//! refusal.

mod common;

use serde_json::json;
use sio_server::{AckSender, MiddlewareError, Server, ServerConfig, Socket, Value};
use std::time::Duration;

/// A ping interval short enough that the suite sees several pings of the client answered; a timeout
/// long enough that a loaded machine does not end a session.
const PING_INTERVAL: Duration = Duration::from_millis(300);
const PING_TIMEOUT: Duration = Duration::from_millis(2000);

fn config(allow_eio3: bool) -> ServerConfig {
    ServerConfig::default()
        .allow_eio3(allow_eio3)
        .ping_interval(PING_INTERVAL)
        .ping_timeout(PING_TIMEOUT)
}

fn legacy_server(config: ServerConfig) -> Server {
    let io = Server::new(config);
    let all = io.clone();
    io.on_connection(move |socket: Socket| {
        let all = all.clone();
        async move { main_handlers(all, socket) }
    });
    io.of("/admin").on_connection(|socket: Socket| async move {
        hello(&socket);
        socket.on("echo", |s: Socket, args: Vec<Value>| async move {
            let _ = s.emit_args("echo", args);
        });
    });
    let secure = io.of("/secure");
    secure.use_middleware(|socket: Socket| async move {
        let error = MiddlewareError::new("not allowed");
        Err(match socket.handshake().auth().get("code") {
            Some(code) => error.with_data(Value::from(json!({ "code": code.clone() }))),
            None => error,
        })
    });
    secure.on_connection(|socket: Socket| async move { hello(&socket) });
    io
}

/// The handlers of `/`: echo, acks both ways, and a broadcast to every client of `/`.
fn main_handlers(io: Server, socket: Socket) {
    hello(&socket);
    socket.on("echo", |s: Socket, args: Vec<Value>| async move {
        let _ = s.emit_args("echo", args);
    });
    socket.on(
        "ack-me",
        |_s: Socket, args: Vec<Value>, ack: AckSender| async move {
            let _ = ack.send_args(args);
        },
    );
    socket.on("ask", |s: Socket, args: Vec<Value>| async move {
        let answer = s
            .timeout(Duration::from_secs(5))
            .emit_args_with_ack("question", args)
            .await;
        let reply = match answer {
            Ok(answer) => answer,
            Err(e) => vec![Value::from(format!("no answer: {e}"))],
        };
        let _ = s.emit_args("answer", reply);
    });
    socket.on("shout", move |_s: Socket, news: Value| {
        let io = io.clone();
        async move {
            let _ = io.emit("news", &news).await;
        }
    });
}

/// Tells the client what the server sees of its socket.
fn hello(socket: &Socket) {
    let info = json!({
        "id": socket.id(),
        "protocol": socket.conn().protocol(),
        "transport": socket.conn().transport().as_str(),
        "auth": serde_json::to_value(socket.handshake().auth()).unwrap_or_default(),
        "query": socket.handshake().query(),
    });
    let _ = socket.emit("hello", &info);
}

async fn run(script: &str, mode: &str, config: ServerConfig) {
    let io = legacy_server(config);
    let (server, addr) = common::start(&io).await;
    common::run_node(
        script,
        &[&format!("http://{addr}"), mode],
        Duration::from_secs(60),
    )
    .await;
    io.close().await;
    server.shutdown().await;
}

const CLIENT: &str = "server/legacy_eio3.js";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_client_over_polling() {
    run(CLIENT, "polling", config(true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_client_over_websocket() {
    run(CLIENT, "websocket", config(true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_client_over_websocket_with_base64() {
    run(CLIENT, "websocket-base64", config(true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_client_upgrading_to_websocket() {
    run(CLIENT, "upgrade", config(true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_client_refused_without_allow_eio3() {
    run(CLIENT, "refused", config(false)).await;
}

/// Binary payloads, as a browser's client (XHR2) sends and takes them. The default heartbeat: the
/// script pings in its POSTs, not on a timer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_xhr2_client_with_binary_payloads() {
    let config = ServerConfig::default().allow_eio3(true);
    run("server/legacy_eio3_xhr2.js", "", config).await;
}

/// socket.io-client 2.5 in Chromium (its bundle served by the server): a real XHR2 client, taking and
/// sending binary payloads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_browser_client_with_binary_payloads() {
    let bundle = common::js_dir().join("node_modules/socket.io-client-v2/dist");
    let config = ServerConfig::default().allow_eio3(true).client_dir(bundle);
    run("browser/legacy_eio3.mjs", "", config).await;
}

/// The handshake answer of revision 3 on the wire: `<length>:0{...}`, the length in characters,
/// and without the option the official 400 `{"code":5}`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revision_3_handshake_on_the_wire() {
    for allow_eio3 in [true, false] {
        let io = legacy_server(config(allow_eio3));
        let (server, addr) = common::start(&io).await;
        let url = format!("http://{addr}/socket.io/?EIO=3&transport=polling&b64=1");
        let res = reqwest::get(&url).await.expect("handshake request");
        let status = res.status().as_u16();
        let body = res.text().await.expect("handshake body");
        if allow_eio3 {
            assert_eq!(status, 200, "{body}");
            // The open packet is ASCII: its length in characters is its length in bytes.
            let (length, rest) = body.split_once(':').expect("a length prefix");
            let length: usize = length.parse().expect("a decimal length");
            let packet = rest.get(..length).expect("as long as its prefix says");
            assert!(packet.starts_with("0{"), "{body}");
            let handshake: serde_json::Value = serde_json::from_str(&packet[1..]).unwrap();
            assert_eq!(handshake["pingInterval"], 300);
            assert_eq!(handshake["pingTimeout"], 2000);
            assert_eq!(handshake["upgrades"], json!(["websocket"]));
            // The connection to `/` follows in the next poll, unasked.
            let sid = handshake["sid"].as_str().unwrap();
            let poll = reqwest::get(format!("{url}&sid={sid}")).await.unwrap();
            let poll = poll.text().await.unwrap();
            assert!(poll.starts_with("2:40"), "{poll}");
        } else {
            assert_eq!(status, 400);
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&body).unwrap(),
                json!({"code": 5, "message": "Unsupported protocol version"})
            );
        }
        io.close().await;
        server.shutdown().await;
    }
}
