//! The official npm engine.io-client against the engine: polling, websocket and upgrade.

mod engine_support;

use engine_support::{heartbeat_config, Ev, Fixture};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn official_engine_io_client_talks_to_the_engine() {
    let mut f = Fixture::start(heartbeat_config(Duration::from_secs(10))).await;
    let js = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    let mut child = Command::new("node")
        .arg("engine/interop.js")
        .arg(f.server.local_addr().port().to_string())
        .current_dir(&js)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut results = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("read") {
            results.push(serde_json::from_str::<serde_json::Value>(&line).expect("json line"));
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("client finished in time");
    let status = child.wait().await.expect("exit");
    assert_eq!(results.len(), 3, "{results:?}");
    let expected = [
        ("polling", "polling"),
        ("websocket", "websocket"),
        ("upgrade", "websocket"),
    ];
    for (r, (mode, transport)) in results.iter().zip(expected) {
        assert_eq!(r["mode"], mode);
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(r["transport"], transport, "{r}");
    }
    assert!(status.success());
    // The server saw the upgrade of the third session.
    let upgraded = results[2]["sid"].as_str().unwrap().to_string();
    loop {
        if f.next_event().await == Ev::Upgrade(upgraded.clone()) {
            break;
        }
    }
}
