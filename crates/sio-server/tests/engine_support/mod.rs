//! Shared test fixtures: an echo engine recording its events, served on an ephemeral port.
#![allow(dead_code)]

use sio_protocol::engine::Packet;
use sio_server::engine::{
    CloseReason, Engine, EngineConfig, EngineHandler, EngineServer, EngineSocket,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// An event the engine reported.
#[derive(Debug, Clone, PartialEq)]
pub enum Ev {
    Open(String),
    Message(String, Packet),
    Close(String, CloseReason),
    Upgrade(String),
}

/// Echoes every message and records every event.
pub struct Recorder(pub mpsc::UnboundedSender<Ev>);

impl EngineHandler for Recorder {
    type Session = ();
    fn on_open(&self, socket: &EngineSocket) {
        let _ = self.0.send(Ev::Open(socket.id().to_string()));
    }
    fn on_message(&self, socket: &EngineSocket, _: &mut (), message: Packet) {
        let _ = socket.send(&[message.encode()]);
        let _ = self.0.send(Ev::Message(socket.id().to_string(), message));
    }
    fn on_close(&self, socket: &EngineSocket, _: (), reason: CloseReason) {
        let _ = self.0.send(Ev::Close(socket.id().to_string(), reason));
    }
    fn on_upgrade(&self, socket: &EngineSocket, _: &mut ()) {
        let _ = self.0.send(Ev::Upgrade(socket.id().to_string()));
    }
}

/// A running echo server and its event feed.
pub struct Fixture {
    pub engine: Arc<Engine<Recorder>>,
    pub server: EngineServer,
    pub events: mpsc::UnboundedReceiver<Ev>,
    pub base: String,
    pub ws_base: String,
}

impl Fixture {
    pub async fn start(config: EngineConfig) -> Fixture {
        let (tx, events) = mpsc::unbounded_channel();
        let engine = Engine::new(config, Recorder(tx));
        let server = engine.listen("127.0.0.1:0").await.expect("bind");
        let addr = server.local_addr();
        Fixture {
            engine,
            server,
            events,
            base: format!("http://{addr}/engine.io/?EIO=4"),
            ws_base: format!("ws://{addr}/engine.io/?EIO=4"),
        }
    }

    /// The next event, failing the test after 10 s.
    pub async fn next_event(&mut self) -> Ev {
        tokio::time::timeout(Duration::from_secs(10), self.events.recv())
            .await
            .expect("event in time")
            .expect("event feed open")
    }

    /// Waits for the close event of `sid`, skipping others.
    pub async fn close_of(&mut self, sid: &str) -> CloseReason {
        loop {
            if let Ev::Close(s, r) = self.next_event().await {
                if s == sid {
                    return r;
                }
            }
        }
    }

    /// Opens a polling session; returns its sid.
    pub async fn open_polling(&self, client: &reqwest::Client) -> String {
        let res = client
            .get(format!("{}&transport=polling", self.base))
            .send()
            .await
            .expect("handshake");
        assert_eq!(res.status(), 200);
        let body = res.text().await.expect("body");
        assert!(body.starts_with('0'), "{body}");
        let v: serde_json::Value = serde_json::from_str(&body[1..]).expect("json");
        v["sid"].as_str().expect("sid").to_string()
    }

    pub fn poll_url(&self, sid: &str) -> String {
        format!("{}&transport=polling&sid={sid}", self.base)
    }
}

/// Test options: a heartbeat slow enough to stay out of the way on a loaded machine.
pub fn fast_config() -> EngineConfig {
    EngineConfig::default()
        .ping_interval(Duration::from_secs(30))
        .ping_timeout(Duration::from_secs(20))
}

/// Test options with a quick heartbeat (a ping every 300 ms), for heartbeat tests.
pub fn heartbeat_config(timeout: Duration) -> EngineConfig {
    fast_config()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(timeout)
}

/// A client without connection reuse surprises and with generous timeouts.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .no_gzip()
        .build()
        .expect("client")
}

/// The official engine.io server (`tests/js/engine/echo_server.js`, npm `ws` under it) echoing every
/// message: the reference for byte-level comparisons. Killed when dropped.
pub struct NodeEngine {
    _child: tokio::process::Child,
    pub addr: std::net::SocketAddr,
}

impl NodeEngine {
    /// Starts it with engine.io options given as JSON (`{"maxHttpBufferSize": 64}`).
    pub async fn start(options: serde_json::Value) -> NodeEngine {
        NodeEngine::start_with_http(options, serde_json::json!({})).await
    }

    /// Starts it with engine.io options and Node `http.createServer` options (`{"requestTimeout": 1000}`).
    pub async fn start_with_http(
        options: serde_json::Value,
        http_options: serde_json::Value,
    ) -> NodeEngine {
        use tokio::io::AsyncBufReadExt;
        let js = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
        let mut child = tokio::process::Command::new("node")
            .current_dir(js)
            .arg("engine/echo_server.js")
            .arg(options.to_string())
            .arg(http_options.to_string())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the Node engine starts in time")
            .expect("read")
            .expect("a PORT line");
        let port: u16 = line
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .expect("PORT <n>");
        NodeEngine {
            _child: child,
            addr: ([127, 0, 0, 1], port).into(),
        }
    }
}
