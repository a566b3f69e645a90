//! Binary as base64 text, compared with the official engine.io server run in Node: a websocket text
//! message `b<base64>` is a binary message (what clients with `forceBase64` send), and a client whose
//! request carries `b64=1` gets binary as `b<base64>` text on the websocket (polling payloads always
//! carry it so in Engine.IO v4).

mod engine_support;

use engine_support::{client, fast_config, Fixture, NodeEngine};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next data message (pings and pongs skipped).
async fn next_data(ws: &mut Ws) -> Message {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("message in time")
        {
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(m)) => return m,
            other => panic!("the websocket ended: {other:?}"),
        }
    }
}

/// What a websocket-only client with `query` gets back for each message sent (echo servers).
async fn websocket_echoes(addr: SocketAddr, query: &str, sent: &[Message]) -> Vec<Message> {
    let url = format!("ws://{addr}/engine.io/?EIO=4&transport=websocket{query}");
    let (mut ws, _) = connect_async(url).await.expect("connect");
    let open = next_data(&mut ws).await;
    assert!(open.to_text().unwrap().starts_with('0'), "{open:?}");
    let mut got = Vec::new();
    for message in sent {
        ws.send(message.clone()).await.unwrap();
        got.push(next_data(&mut ws).await);
    }
    got
}

/// The body of the GET after POSTing `body` on a polling session opened with `query`.
async fn polling_echo(addr: SocketAddr, query: &str, body: &str) -> String {
    let c = client();
    let base = format!("http://{addr}/engine.io/?EIO=4&transport=polling{query}");
    let open = c.get(&base).send().await.unwrap().text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&open[1..]).expect("open packet");
    let url = format!("{base}&sid={}", v["sid"].as_str().unwrap());
    let res = c.post(&url).body(body.to_string()).send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "ok");
    c.get(&url).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn base64_binary_on_both_transports_as_the_official_server() {
    let f = Fixture::start(fast_config()).await;
    let node = NodeEngine::start(serde_json::json!({})).await;
    let sio = f.server.local_addr();
    let bytes = vec![1u8, 2, 3, 255];
    let sent = [
        Message::text("bAQID/w=="),
        Message::binary(bytes.clone()),
        Message::text("4héllo"),
    ];

    // A client that takes binary: base64 text in, binary out.
    let expected = vec![
        Message::binary(bytes.clone()),
        Message::binary(bytes.clone()),
        Message::text("4héllo"),
    ];
    assert_eq!(websocket_echoes(node.addr, "", &sent).await, expected);
    assert_eq!(websocket_echoes(sio, "", &sent).await, expected);

    // `b64=1`: binary goes out as base64 text, whichever way it came in.
    let expected = vec![
        Message::text("bAQID/w=="),
        Message::text("bAQID/w=="),
        Message::text("4héllo"),
    ];
    assert_eq!(websocket_echoes(node.addr, "&b64=1", &sent).await, expected);
    assert_eq!(websocket_echoes(sio, "&b64=1", &sent).await, expected);

    // Polling payloads carry binary as base64 with or without `b64`.
    for query in ["", "&b64=1"] {
        let official = polling_echo(node.addr, query, "bAQID/w==\u{1e}4x").await;
        assert_eq!(official, "bAQID/w==\u{1e}4x");
        assert_eq!(
            polling_echo(sio, query, "bAQID/w==\u{1e}4x").await,
            official
        );
    }
}

/// Runs `engine/base64.js` (engine.io-client with `forceBase64`) against the engine on `port`.
async fn force_base64_client(port: u16) -> Vec<serde_json::Value> {
    let js = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("node")
            .current_dir(js)
            .arg("engine/base64.js")
            .arg(port.to_string())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("node finished in time")
    .expect("node runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

#[tokio::test]
async fn the_official_client_with_force_base64_as_with_the_official_server() {
    let f = Fixture::start(fast_config()).await;
    let node = NodeEngine::start(serde_json::json!({})).await;
    let official = force_base64_client(node.addr.port()).await;
    let ours = force_base64_client(f.server.local_addr().port()).await;
    assert_eq!(official.len(), 3, "{official:?}");
    for (r, transport) in official.iter().zip(["polling", "websocket", "websocket"]) {
        assert!(r.get("error").is_none(), "official: {r}");
        assert_eq!((&r["text"], &r["binary"]), (&true.into(), &true.into()));
        assert_eq!(r["transport"], transport, "{r}");
    }
    // Over websocket, the binary echo came as `b…` text, then the text one.
    assert_eq!(official[1]["wsFrames"], serde_json::json!(["b", "4"]));
    assert_eq!(ours, official);
}
