//! Test harness: the official Node socket.io server started on an ephemeral port, killed on drop.
#![allow(dead_code)]

use sio_client::{Options, TransportKind};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

pub const WAIT: Duration = Duration::from_secs(20);

pub struct NodeServer {
    pub port: u16,
    cfg: serde_json::Value,
    child: Option<Child>,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js/client/server.js")
}

impl NodeServer {
    pub async fn start(cfg: serde_json::Value) -> NodeServer {
        let mut s = NodeServer {
            port: 0,
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
        let mut cmd = match std::env::var_os("SIO_CLIENT_TEST_SERVER") {
            Some(program) => Command::new(program),
            None => {
                let mut c = Command::new("node");
                c.arg(script());
                c
            }
        };
        let mut child = cmd
            .arg(cfg.to_string())
            .current_dir(script().parent().unwrap())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .expect("server starts in time")
            .unwrap()
            .expect("server prints its port");
        self.port = line.trim_start_matches("PORT ").parse().expect("port");
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
    Options {
        transports,
        force_new: true,
        ..Options::default()
    }
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
