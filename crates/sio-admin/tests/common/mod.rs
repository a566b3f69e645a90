//! Shared test fixtures: an instrumented sio server, and runners for Node peers.

#![allow(dead_code)]

use sio_admin::{instrument, AdminOptions, Auth, Instrumentation, Mode};
use sio_server::{Server, ServerConfig, Socket, Value};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// `tests/js`, where the npm peers are installed.
pub fn js_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/js"))
}

/// A bcrypt hash of `secret` (cost 4: tests need not be slow).
pub fn secret_hash() -> String {
    bcrypt::hash("secret", 4).expect("bcrypt")
}

/// The application the dashboard tests watch: on "/", "ping" is answered with "pong" (same arguments) and
/// "join" joins the room named.
pub fn app(io: &Server) {
    io.on_connection(|socket: Socket| async move {
        socket.on("ping", |s: Socket, args: Vec<Value>| async move {
            let _ = s.emit_args("pong", args);
        });
        socket.on("join", |s: Socket, room: String| async move {
            s.join(room);
        });
    });
}

/// A running instrumented server: the server, its instrumentation, its listener and its URL.
pub type Instrumented = (
    Server,
    Instrumentation,
    sio_server::engine::EngineServer,
    String,
);

/// A sio server instrumented with basic auth admin / secret (readonly or not, in development mode),
/// serving [`app`].
pub async fn instrumented(readonly: bool) -> Instrumented {
    instrumented_with(readonly, Mode::Development).await
}

/// [`instrumented`] in a chosen mode.
pub async fn instrumented_with(readonly: bool, mode: Mode) -> Instrumented {
    let io = Server::new(ServerConfig::default());
    let options = AdminOptions::new(Auth::Basic {
        username: "admin".into(),
        password_hash: secret_hash(),
    })
    .readonly(readonly)
    .mode(mode)
    .stats_interval(Duration::from_millis(300));
    let admin = instrument(&io, options).expect("instrument");
    app(&io);
    let server = io.listen("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", server.local_addr());
    (io, admin, server, url)
}

/// Runs a Node script to completion within `timeout`, asserting success; returns its stdout.
pub async fn run_node(script: &str, args: &[&str], timeout: Duration) -> String {
    let child = tokio::process::Command::new("node")
        .current_dir(js_dir())
        .arg(script)
        .args(args)
        .kill_on_drop(true)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node must be installed to run the dashboard tests");
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script} {args:?} did not finish within {timeout:?}"))
        .expect("waiting for node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} {args:?} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    stdout
}

/// A Node server that prints its port first; killed when dropped (and it exits when its stdin closes).
pub struct NodeServer {
    _child: tokio::process::Child,
    pub port: u16,
}

/// Starts a Node server script and waits (bounded) for the port it prints.
pub async fn node_server(script: &str, args: &[&str]) -> NodeServer {
    let mut child = tokio::process::Command::new("node")
        .current_dir(js_dir())
        .arg(script)
        .args(args)
        .kill_on_drop(true)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node must be installed to run the dashboard tests");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("{script}: no port within 15 s"))
        .expect("reading the port")
        .unwrap_or_else(|| panic!("{script} exited before printing its port"));
    let port = line.trim().parse().expect("a port");
    NodeServer {
        _child: child,
        port,
    }
}
