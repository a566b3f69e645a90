//! Mounting the Engine.IO server in an axum app with `EngineLayer`: `/` is axum, `/engine.io/` the engine.
//! A small request mapper hands axum's peer address to the engine as [`RemoteAddr`].
//!
//! Run `cargo run -p sio-server --example engineio_axum` and connect an engine.io client to
//! `http://127.0.0.1:3000`.

use axum::extract::{ConnectInfo, Request};
use axum::{routing::get, Router};
use sio_protocol::engine::Packet;
use sio_server::engine::{
    CloseReason, CorsConfig, Engine, EngineConfig, EngineHandler, EngineLayer, EngineSocket,
    RemoteAddr,
};
use std::net::SocketAddr;

/// Echoes every message.
struct Echo;

impl EngineHandler for Echo {
    type Session = ();
    fn on_open(&self, socket: &EngineSocket) {
        tracing::info!(sid = socket.id(), peer = ?socket.request().remote_addr, "open");
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
    let engine = Engine::new(
        EngineConfig::default().cors(Some(CorsConfig::default())),
        Echo,
    );
    let app = Router::new()
        .route("/", get(|| async { "an axum route beside the engine" }))
        .layer(EngineLayer::new(engine.clone()))
        // The peer address for the engine (axum keeps it as `ConnectInfo`, which the engine cannot read).
        .layer(axum::middleware::map_request(
            |ConnectInfo(peer): ConnectInfo<SocketAddr>, mut req: Request| async move {
                req.extensions_mut().insert(RemoteAddr(peer));
                req
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("axum + Engine.IO on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    // The engine closes first: a long-polling GET would otherwise hold axum's graceful shutdown until the
    // next ping.
    .with_graceful_shutdown(async move {
        let _ = tokio::signal::ctrl_c().await;
        engine.close().await;
    })
    .await
}
