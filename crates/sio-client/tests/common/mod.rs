//! Test harness: a test server (the official Node socket.io server, or its twin on sio-server) started on an
//! ephemeral port, killed on drop. [`interop_tests!`] runs each test against both.
#![allow(dead_code)]

mod sio_fixture;

use sio_client::{Options, TransportKind};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

pub const WAIT: Duration = Duration::from_secs(20);

/// Which implementation serves a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// `tests/js/client/server.js` on the official npm socket.io server.
    Node,
    /// The same fixture on sio-server ([`sio_fixture`]), in a child process.
    Sio,
}

tokio::task_local! {
    /// The server kind of the running test (set by [`interop_tests!`]; Node otherwise).
    pub static SERVER_KIND: ServerKind;
}

/// Entry point of the sio fixture process: the harness starts this test binary again on this (ignored)
/// test with the configuration in `SIO_FIXTURE_CONFIG`.
#[test]
#[ignore = "entry point of the sio fixture server process, started by the harness"]
fn sio_fixture_server() {
    if let Ok(cfg) = std::env::var("SIO_FIXTURE_CONFIG") {
        sio_fixture::run(&cfg);
    }
}

/// Runs each named `async fn` as two tests, `name::node` and `name::sio`, against the Node server and
/// against sio-server (in parallel processes under nextest, so the suite's wall time does not double).
#[macro_export]
macro_rules! interop_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn node() {
                $crate::common::SERVER_KIND
                    .scope($crate::common::ServerKind::Node, super::$name())
                    .await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sio() {
                $crate::common::SERVER_KIND
                    .scope($crate::common::ServerKind::Sio, super::$name())
                    .await
            }
        }
    )*};
}

/// Whether the running test is served by sio-server.
pub fn on_sio() -> bool {
    SERVER_KIND.try_with(|k| *k) == Ok(ServerKind::Sio)
}

/// The test server (historical name: it was the Node server only).
pub struct NodeServer {
    pub port: u16,
    pub kind: ServerKind,
    cfg: serde_json::Value,
    child: Option<Child>,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js/client/server.js")
}

impl NodeServer {
    /// Starts the server of the running test's kind.
    pub async fn start(cfg: serde_json::Value) -> NodeServer {
        let kind = SERVER_KIND.try_with(|k| *k).unwrap_or(ServerKind::Node);
        Self::start_kind(kind, cfg).await
    }

    /// Starts a server of the given kind.
    pub async fn start_kind(kind: ServerKind, cfg: serde_json::Value) -> NodeServer {
        let mut s = NodeServer {
            port: 0,
            kind,
            cfg,
            child: None,
        };
        s.spawn(0).await;
        s
    }

    async fn spawn(&mut self, port: u16) {
        let mut cfg = self.cfg.clone();
        cfg["port"] = port.into();
        // SIO_CLIENT_TEST_SERVER: another server program taking the same JSON argument and printing
        // "PORT <n>" (to run this suite against another implementation of the fixture)
        let mut cmd = match (self.kind, std::env::var_os("SIO_CLIENT_TEST_SERVER")) {
            (ServerKind::Sio, _) => {
                let mut c = Command::new(std::env::current_exe().expect("test binary path"));
                c.args([
                    "common::sio_fixture_server",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("SIO_FIXTURE_CONFIG", cfg.to_string());
                c
            }
            (ServerKind::Node, Some(program)) => {
                let mut c = Command::new(program);
                c.arg(cfg.to_string());
                c
            }
            (ServerKind::Node, None) => {
                let mut c = Command::new("node");
                c.arg(script()).arg(cfg.to_string());
                c
            }
        };
        let mut child = cmd
            .current_dir(script().parent().unwrap())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // the sio fixture runs under the test harness, which prints its own lines first
        let port = tokio::time::timeout(WAIT, async {
            loop {
                let line = lines
                    .next_line()
                    .await
                    .unwrap()
                    .expect("server prints its port");
                if let Some(at) = line.find("PORT ") {
                    return line[at + 5..].trim().parse().expect("port");
                }
            }
        })
        .await
        .expect("server starts in time");
        self.port = port;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.child = Some(child);
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
        }
    }

    /// Starts the server again on the same port.
    pub async fn restart(&mut self) {
        self.kill().await;
        let port = self.port;
        self.spawn(port).await;
    }

    fn signal(&self, sig: &str) {
        if let Some(pid) = self.child.as_ref().and_then(|c| c.id()) {
            let _ = std::process::Command::new("kill")
                .arg(format!("-{sig}"))
                .arg(pid.to_string())
                .status();
        }
    }

    /// Freezes the server process (no pings, no answers).
    pub fn pause(&self) {
        self.signal("STOP");
    }

    pub fn resume(&self) {
        self.signal("CONT");
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        self.resume();
    }
}

/// The transport setups every interop test runs over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Polling,
    WebSocket,
    Upgrade,
}

pub const MODES: [Mode; 3] = [Mode::Polling, Mode::WebSocket, Mode::Upgrade];

pub fn options(mode: Mode) -> Options {
    let transports = match mode {
        Mode::Polling => vec![TransportKind::Polling],
        Mode::WebSocket => vec![TransportKind::WebSocket],
        Mode::Upgrade => vec![TransportKind::Polling, TransportKind::WebSocket],
    };
    Options::default().transports(transports).force_new(true)
}

/// A channel fed by handlers, read by the test with a timeout.
pub struct Events<T> {
    pub tx: mpsc::UnboundedSender<T>,
    rx: mpsc::UnboundedReceiver<T>,
}

impl<T> Events<T> {
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Events { tx, rx }
    }

    pub async fn next(&mut self) -> T {
        tokio::time::timeout(WAIT, self.rx.recv())
            .await
            .expect("event in time")
            .expect("channel open")
    }

    pub async fn none_within(&mut self, d: Duration) -> bool {
        tokio::time::timeout(d, self.rx.recv()).await.is_err()
    }
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
