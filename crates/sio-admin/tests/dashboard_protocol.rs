//! The admin namespace as the official dashboard uses it, played by the official `socket.io-client` in Node
//! (`tests/js/admin/dashboard.mjs`): basic auth with a bcrypt hash (a wrong password refused, the session id
//! accepted), `config`, `all_sockets`, `server_stats`, `socket_connected`, `room_joined`, `event_received`,
//! `event_sent`, the actions (`join`, `leave`, `emit`, `_disconnect`) and their refusal when read-only, and
//! production mode (statistics with the engine activity counted, nothing live). The
//! same script runs against the official instrumentation on a Node server: the events and their fields must
//! be the same.

mod common;

use common::{instrumented_with, node_server, run_node, secret_hash};
use sio_admin::Mode;
use std::time::Duration;

const RUN: Duration = Duration::from_secs(30);

/// The shapes line the script prints last.
fn shapes(stdout: &str) -> serde_json::Value {
    let line = stdout.lines().last().expect("the script prints the shapes");
    serde_json::from_str(line).expect("shapes as JSON")
}

async fn sio_run(mode: &str) -> serde_json::Value {
    let (io, admin, server, url) = match mode {
        "production" => instrumented_with(false, Mode::Production).await,
        _ => instrumented_with(mode == "readonly", Mode::Development).await,
    };
    let stdout = run_node("admin/dashboard.mjs", &[&url, mode], RUN).await;
    admin.stop();
    io.close().await;
    server.shutdown().await;
    shapes(&stdout)
}

async fn official_run(mode: &str) -> serde_json::Value {
    let node = node_server("admin/official_server.mjs", &[&secret_hash(), mode]).await;
    let url = format!("http://127.0.0.1:{}", node.port);
    let stdout = run_node("admin/dashboard.mjs", &[&url, mode], RUN).await;
    shapes(&stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_sees_and_acts_like_the_official_instrumentation() {
    let ours = sio_run("full").await;
    let theirs = official_run("full").await;
    assert_eq!(
        ours, theirs,
        "events and fields differ from the official instrumentation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_dashboard_cannot_act_like_the_official_instrumentation() {
    let ours = sio_run("readonly").await;
    let theirs = official_run("readonly").await;
    assert_eq!(
        ours, theirs,
        "events and fields differ from the official instrumentation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_mode_sends_statistics_only_like_the_official_instrumentation() {
    let ours = sio_run("production").await;
    let theirs = official_run("production").await;
    assert_eq!(
        ours, theirs,
        "events and fields differ from the official instrumentation"
    );
}
