//! An echo Engine.IO server for the official Engine.IO v4 protocol test suite, on 127.0.0.1:3000.
//!
//! Run `cargo run -p sio-server --example engineio_conformance`, then `npx mocha test-suite.js` in the suite.

use sio_protocol::engine::Packet;
use sio_server::engine::{CloseReason, Engine, EngineConfig, EngineHandler, EngineSocket};
use std::time::Duration;

/// Sends every message back as it came (text as text, binary as binary).
struct Echo;

impl EngineHandler for Echo {
    type Session = ();
    fn on_open(&self, socket: &EngineSocket) {
        tracing::info!(sid = socket.id(), transport = %socket.transport(), "open");
    }

    fn on_message(&self, socket: &EngineSocket, _: &mut (), message: Packet) {
        let _ = socket.send(&[message.encode()]);
    }

    fn on_close(&self, socket: &EngineSocket, _: (), reason: CloseReason) {
        tracing::info!(sid = socket.id(), %reason, "close");
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let config = EngineConfig::default()
        .path("/engine.io/")
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .max_http_buffer_size(1_000_000);
    let engine = Engine::new(config, Echo);
    let server = engine.listen("127.0.0.1:3000").await?;
    println!(
        "Engine.IO echo server on http://{}/engine.io/",
        server.local_addr()
    );
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}
