//! The admin namespace as the official dashboard uses it, played by the official `socket.io-client` in Node
//! (`tests/js/admin/dashboard.mjs`): basic auth with a bcrypt hash (a wrong password refused, the session id
//! accepted), `config`, `all_sockets`, `server_stats`, `socket_connected`, `room_joined`, `event_received`,
//! `event_sent`, the actions (`join`, `leave`, `emit`, `_disconnect`) and their refusal when read-only. The
//! same script runs against the official instrumentation on a Node server: the events and their fields must
//! be the same.

mod common;

use common::{instrumented, node_server, run_node, secret_hash};
use std::time::Duration;

const RUN: Duration = Duration::from_secs(30);

/// The shapes line the script prints last.
fn shapes(stdout: &str) -> serde_json::Value {
    let line = stdout.lines().last().expect("the script prints the shapes");
    serde_json::from_str(line).expect("shapes as JSON")
}

async fn sio_run(readonly: bool) -> serde_json::Value {
    let (io, admin, server, url) = instrumented(readonly).await;
    let mode = if readonly { "readonly" } else { "full" };
    let stdout = run_node("admin/dashboard.mjs", &[&url, mode], RUN).await;
    admin.stop();
    io.close().await;
    server.shutdown().await;
    shapes(&stdout)
}

async fn official_run(readonly: bool) -> serde_json::Value {
    let mode = if readonly { "readonly" } else { "full" };
    let node = node_server("admin/official_server.mjs", &[&secret_hash(), mode]).await;
    let url = format!("http://127.0.0.1:{}", node.port);
    let stdout = run_node("admin/dashboard.mjs", &[&url, mode], RUN).await;
    shapes(&stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_sees_and_acts_like_the_official_instrumentation() {
    let ours = sio_run(false).await;
    let theirs = official_run(false).await;
    assert_eq!(
        ours, theirs,
        "events and fields differ from the official instrumentation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_dashboard_cannot_act_like_the_official_instrumentation() {
    let ours = sio_run(true).await;
    let theirs = official_run(true).await;
    assert_eq!(
        ours, theirs,
        "events and fields differ from the official instrumentation"
    );
}
