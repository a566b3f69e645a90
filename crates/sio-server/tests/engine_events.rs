//! The handler's secondary events: drain after a write, heartbeat on a pong.

use futures_util::{SinkExt, StreamExt};
use sio_protocol::engine::{Frame, Packet};
use sio_server::engine::{CloseReason, Engine, EngineConfig, EngineHandler, EngineSocket};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, PartialEq)]
enum Seen {
    Drain,
    Heartbeat,
}

struct Watcher(mpsc::UnboundedSender<Seen>);

impl EngineHandler for Watcher {
    type Session = ();
    fn on_open(&self, _socket: &EngineSocket) {}
    fn on_message(&self, _socket: &EngineSocket, _: &mut (), _message: Packet) {}
    fn on_close(&self, _socket: &EngineSocket, _: (), _reason: CloseReason) {}
    fn on_drain(&self, _socket: &EngineSocket, _: &mut ()) {
        let _ = self.0.send(Seen::Drain);
    }
    fn on_heartbeat(&self, _socket: &EngineSocket, _: &mut ()) {
        let _ = self.0.send(Seen::Heartbeat);
    }
}

async fn expect(rx: &mut mpsc::UnboundedReceiver<Seen>, want: Seen) {
    loop {
        let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("event in time")
            .expect("feed open");
        if got == want {
            return;
        }
    }
}

#[tokio::test]
async fn drain_follows_writes_and_heartbeat_follows_pongs() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let config = EngineConfig::default()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_secs(10));
    let engine = Engine::new(config, Watcher(tx));
    let server = engine.listen("127.0.0.1:0").await.unwrap();
    let url = format!(
        "ws://{}/engine.io/?EIO=4&transport=websocket",
        server.local_addr()
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let open = ws.next().await.unwrap().unwrap().into_text().unwrap();
    // The open packet was written: a drain.
    expect(&mut rx, Seen::Drain).await;
    let v: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    let socket = engine.socket(v["sid"].as_str().unwrap()).unwrap();
    socket.send(&[Frame::message("x")]).unwrap();
    expect(&mut rx, Seen::Drain).await;
    loop {
        let msg = ws.next().await.unwrap().unwrap();
        if msg == Message::text("2") {
            break;
        }
    }
    ws.send(Message::text("3")).await.unwrap();
    expect(&mut rx, Seen::Heartbeat).await;
    server.shutdown().await;
}

/// Echoes every message.
struct EchoWatcher(mpsc::UnboundedSender<Seen>);

impl EngineHandler for EchoWatcher {
    type Session = ();
    fn on_open(&self, _socket: &EngineSocket) {}
    fn on_message(&self, socket: &EngineSocket, _: &mut (), message: Packet) {
        let _ = socket.send(&[message.encode()]);
    }
    fn on_close(&self, _socket: &EngineSocket, _: (), _reason: CloseReason) {}
    fn on_drain(&self, _socket: &EngineSocket, _: &mut ()) {
        let _ = self.0.send(Seen::Drain);
    }
}

#[tokio::test]
async fn answers_to_a_burst_of_websocket_messages_are_written_together() {
    const BURST: usize = 50;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let config = EngineConfig::default().ping_interval(Duration::from_secs(30));
    let engine = Engine::new(config, EchoWatcher(tx));
    let server = engine.listen("127.0.0.1:0").await.unwrap();
    let url = format!(
        "ws://{}/engine.io/?EIO=4&transport=websocket",
        server.local_addr()
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let open = ws.next().await.unwrap().unwrap();
    assert!(open.to_text().unwrap().starts_with('0'));
    expect(&mut rx, Seen::Drain).await;
    // The whole burst leaves in one write, so the server finds it all in one read.
    for i in 0..BURST {
        ws.feed(Message::text(format!("4m{i}"))).await.unwrap();
    }
    ws.flush().await.unwrap();
    for i in 0..BURST {
        let echo = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("echo in time")
            .unwrap()
            .unwrap();
        assert_eq!(echo.to_text().unwrap(), format!("4m{i}"));
    }
    let mut writes = 0;
    while let Ok(Seen::Drain) = rx.try_recv() {
        writes += 1;
    }
    assert!(writes <= BURST / 5, "{writes} writes for {BURST} answers");
    server.shutdown().await;
}
