//! The chat example in a real browser (Debian `chromium` driven by npm `playwright-core`,
//! `tests/js/browser/chat.mjs`): two pages chat through sio over long-polling only and over websocket, the
//! client bundle served by sio, with no console error; a server without the bundle gets a page that says
//! why. Screenshots are kept in `target/tmp/browser/`.

mod common;

#[path = "../examples/chat/handlers.rs"]
mod handlers;

#[allow(dead_code)]
#[path = "../examples/chat/app.rs"]
mod app;

use sio_server::{Server, ServerConfig};
use std::time::Duration;

/// Serves the chat app with `config` on an ephemeral loopback port.
async fn chat(
    config: ServerConfig,
) -> (Server, String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let io = Server::new(config);
    handlers::register(&io);
    let listener = app::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(app::serve(listener, app::router(&io), io.clone()));
    (io, url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_browser_pages_chat_over_polling_and_websocket() {
    let (io, url, task) = chat(ServerConfig::default()).await;
    let (bare, bare_url, bare_task) =
        chat(ServerConfig::default().client_dir("/nonexistent/socket.io-client/dist")).await;
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    common::run_node(
        "browser/chat.mjs",
        &[&url, shots.to_str().unwrap(), &bare_url],
        Duration::from_secs(120),
    )
    .await;
    println!("screenshots in {}", shots.display());
    for path in [
        "chat-polling-alice.png",
        "chat-websocket-bob.png",
        "chat-missing-bundle.png",
    ] {
        let len = std::fs::metadata(shots.join(path))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(len > 1000, "{path}: no screenshot");
    }
    io.close().await;
    bare.close().await;
    task.abort();
    bare_task.abort();
}
