//! Traffic while the official socket.io-client upgrades from polling to websocket (see
//! `tests/js/engine/upgrade_acks.js`): once the client has its `3probe`, it emits an "echo" with a
//! 50 ms ack timeout, and the server sends it a packet. As with the official server (run too, for
//! comparison), the waiting GET takes that packet at once, so the client finishes its upgrade and
//! gets its ack in time; holding the GET until the 100 ms noop made the ack time out.

mod common;

use sio_server::{AckSender, Server, ServerConfig, Socket, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ROUNDS: usize = 20;

/// Runs the client of `engine/upgrade_acks.js` against `url`; its JSON line for each round.
async fn client_against(url: &str) -> Vec<serde_json::Value> {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new("node")
            .current_dir(common::js_dir())
            .args(["engine/upgrade_acks.js", "client", url, &ROUNDS.to_string()])
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("node finished in time")
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rounds: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(
        rounds.len(),
        ROUNDS,
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    rounds
}

/// The official server of `engine/upgrade_acks.js`, and its port.
async fn official_server() -> (Child, u16) {
    let mut child = Command::new("node")
        .current_dir(common::js_dir())
        .args(["engine/upgrade_acks.js", "server"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the server starts in time")
        .unwrap()
        .expect("a PORT line");
    let port = line
        .strip_prefix("PORT ")
        .expect("PORT <n>")
        .parse()
        .unwrap();
    (child, port)
}

fn poked_server() -> Server {
    let io = Server::new(ServerConfig::default());
    io.on_connection(|socket: Socket| async move {
        socket.on("echo", |_s: Socket, n: u64, ack: AckSender| async move {
            let _ = ack.send(&n);
        });
        socket.on("poke", |s: Socket, _: Value, ack: AckSender| async move {
            let _ = s.broadcast().emit("tick", &()).await;
            let _ = ack.send(&());
        });
    });
    io
}

fn assert_in_time(rounds: &[serde_json::Value], server: &str) {
    for seen in rounds {
        assert!(seen.get("error").is_none(), "{server}: {seen}");
        assert_eq!(seen["upgraded"], true, "{server}: {seen}");
        assert_eq!(seen["echo"], "ok", "{server}: the ack timed out: {seen}");
    }
}

/// That some rounds tell: nothing but the probe's answer was on its way to the client. Asked of sio, the
/// server under test; the official server's rounds are the comparison, and on a loaded machine its
/// timing may never line up that way in a run.
fn assert_some_rounds_tell(rounds: &[serde_json::Value]) {
    assert!(
        rounds.iter().any(|seen| seen["connectedFirst"] == true),
        "sio: {rounds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ack_with_a_short_timeout_survives_the_upgrade() {
    let io = poked_server();
    let (server, addr) = common::start(&io).await;
    let rounds = client_against(&format!("http://{addr}")).await;
    assert_in_time(&rounds, "sio");
    assert_some_rounds_tell(&rounds);
    io.close().await;
    server.shutdown().await;

    let (_official, port) = official_server().await;
    let rounds = client_against(&format!("http://127.0.0.1:{port}")).await;
    assert_in_time(&rounds, "official socket.io");
}
