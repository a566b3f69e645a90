//! Strings cut in the middle of an emoji (lone surrogates) travel unchanged, as between official peers:
//! sio-client against the official server and sio-server, and the official client against sio-server.

mod common;

use common::*;
use serde_json::json;
use sio_client::value::js_string;
use sio_client::{io, Value};
use std::path::PathBuf;

fn js(units: &[u16]) -> Value {
    Value::String(js_string::from_utf16(units))
}

async fn lone_surrogates_come_back_unchanged() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    let args = vec![
        js(&[0x61, 0xd83d]),
        js(&[0xdc00]),
        Value::Array(vec![js(&[0xd800, 0x79, 0xdfff]), Value::from("ok")]),
    ];
    for mode in MODES {
        let socket = io(&server.url("/"), options(mode)).unwrap();
        socket.connect().await.unwrap();
        let back: Vec<Value> = tokio::time::timeout(WAIT, socket.emit_with_ack("echo", &args))
            .await
            .expect("ack in time")
            .unwrap();
        // `&args` goes out as one argument, the array, and comes back as the ack's one argument.
        assert_eq!(back, [Value::Array(args.clone())], "{mode:?}");
        // Rust text gets U+FFFD.
        let text: String = sio_client::value::from_value(args[0].clone()).unwrap();
        assert_eq!(text, "a\u{FFFD}");
        socket.disconnect();
    }
}

interop_tests!(lone_surrogates_come_back_unchanged);

/// The official client, whose strings cut in an emoji sio-server used to refuse as an invalid payload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_client_gets_its_lone_surrogates_back_from_sio_server() {
    init_tracing();
    let server = NodeServer::start_kind(ServerKind::Sio, json!({})).await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    let out = tokio::time::timeout(
        WAIT,
        tokio::process::Command::new("node")
            .arg("protocol/lone_surrogates.js")
            .arg(server.url("/"))
            .current_dir(dir)
            .output(),
    )
    .await
    .expect("the node client finishes in time")
    .expect("node runs");
    assert!(
        out.status.success(),
        "official client: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
