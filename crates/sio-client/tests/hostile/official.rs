//! The official client (npm `socket.io-client`, in Node) against the same hostile servers: it reports the
//! same reasons sio-client does, then reconnects as sio-client does.

use crate::server::{
    pings_then_silence, scripted_polling, scripted_websocket, silent_server, text_frame, Conn,
    Hostile,
};
use crate::{init_tracing, options, Probe};
use serde_json::json;
use sio_client::{Bounds, DisconnectReason, Options, TransportKind};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// The first three lines the official client printed against `server` (see
/// `tests/js/client/hostile-peer.js`).
async fn official_reports(server: &Hostile, cfg: serde_json::Value) -> Vec<String> {
    let mut cfg = cfg;
    cfg["url"] = server.url().into();
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js/client/hostile-peer.js");
    let mut child = Command::new("node")
        .arg(&script)
        .arg(cfg.to_string())
        .current_dir(script.parent().unwrap())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(15), async {
        while let Ok(Some(line)) = lines.next_line().await {
            out.push(line);
            if out.len() == 3 {
                break;
            }
        }
    });
    assert!(
        read.await.is_ok(),
        "the official client did not finish: {out:?}"
    );
    out
}

/// What sio-client reports against `server`: `connect`, `disconnect <reason>`, `connect`.
async fn sio_reports(server: &Hostile, opts: Options) -> Vec<String> {
    let mut probe = Probe::connect(&server.url(), opts);
    probe.connected().await;
    let reason: DisconnectReason = probe.disconnected().await;
    probe.connected().await;
    vec![
        "connect".into(),
        format!("disconnect {reason}"),
        "connect".into(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_reasons_as_the_official_client_over_websocket() {
    init_tracing();
    let cases = [
        (text_frame("9whatever"), "disconnect transport error"),
        (text_frame(r#"42["unterminated"#), "disconnect parse error"),
        (
            text_frame(r#"451000000000-["x",{"_placeholder":true,"num":0}]"#),
            "disconnect parse error",
        ),
        (
            text_frame(&format!(r#"42["big","{}"]"#, "x".repeat(300_000))),
            "disconnect transport error",
        ),
    ];
    for (frame, expected) in cases {
        let max = 200_000;
        let server = scripted_websocket(vec![frame.clone()]).await;
        let official = official_reports(
            &server,
            json!({ "transports": ["websocket"], "maxPayload": max }),
        )
        .await;
        let server = scripted_websocket(vec![frame]).await;
        let opts =
            options(TransportKind::WebSocket).bounds(Bounds::default().max_message_size(max));
        let ours = sio_reports(&server, opts).await;
        assert_eq!(official, vec!["connect", expected, "connect"]);
        assert_eq!(ours, official);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_reasons_as_the_official_client_over_polling() {
    init_tracing();
    for (body, expected) in [
        (&b"6\x1e9whatever"[..], "disconnect transport error"),
        // the packets before a bad one are handled first: here, one that does not decode
        (&b"4fine\x1e9whatever"[..], "disconnect parse error"),
        (
            &br#"49["no such packet type"]"#[..],
            "disconnect parse error",
        ),
    ] {
        let bad = move || -> crate::server::BadGet {
            Arc::new(move |mut conn: Conn| Box::pin(async move { conn.respond(body).await }))
        };
        let server = scripted_polling(bad()).await;
        let official = official_reports(&server, json!({ "transports": ["polling"] })).await;
        let server = scripted_polling(bad()).await;
        let ours = sio_reports(&server, options(TransportKind::Polling)).await;
        assert_eq!(official, vec!["connect", expected, "connect"]);
        assert_eq!(ours, official);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_reasons_as_the_official_client_when_the_server_stalls() {
    init_tracing();
    let server = pings_then_silence().await;
    let official = official_reports(&server, json!({ "transports": ["websocket"] })).await;
    let server = pings_then_silence().await;
    let ours = sio_reports(&server, options(TransportKind::WebSocket)).await;
    assert_eq!(
        official,
        vec!["connect", "disconnect ping timeout", "connect"]
    );
    assert_eq!(ours, official);

    let server = silent_server().await;
    let official = official_reports(
        &server,
        json!({ "transports": ["websocket"], "timeout": 300 }),
    )
    .await;
    let mut probe = Probe::connect(
        &server.url(),
        options(TransportKind::WebSocket).timeout(Duration::from_millis(300)),
    );
    let mut ours = Vec::new();
    for _ in 0..3 {
        ours.push(format!("connect_error {}", probe.error().await));
    }
    assert_eq!(official, vec!["connect_error timeout"; 3]);
    assert_eq!(ours, official);
}
