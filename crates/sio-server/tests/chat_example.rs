//! The chat example: its handlers driven by the official socket.io-client (login with an ack and with the
//! `login` event, messages, typing indicators, rooms and departures, over polling and websocket), its page
//! and client bundle through the axum app, and its error when the address is taken.

mod common;

#[path = "../examples/chat/handlers.rs"]
mod handlers;

#[allow(dead_code)]
#[path = "../examples/chat/app.rs"]
mod app;

use sio_server::{Server, ServerConfig};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_client_chats() {
    let io = Server::new(ServerConfig::default());
    handlers::register(&io);
    let (server, addr) = common::start(&io).await;
    common::run_node(
        "server/chat.mjs",
        &[&format!("http://{addr}")],
        Duration::from_secs(60),
    )
    .await;
    io.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_app_serves_the_page_and_the_client_bundle() {
    let io = Server::new(ServerConfig::default());
    handlers::register(&io);
    let listener = app::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(app::serve(listener, app::router(&io), io.clone()));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let page = client.get(format!("http://{addr}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains(r#"<script src="/socket.io/socket.io.min.js"></script>"#));
    let bundle = client
        .get(format!("http://{addr}/socket.io/socket.io.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), 200);
    assert_eq!(
        bundle.headers()["content-type"],
        "application/javascript; charset=utf-8"
    );
    task.abort();
}

#[tokio::test]
async fn a_taken_address_is_named_in_the_error() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = app::bind(&addr).await.unwrap_err();
    assert!(
        err.starts_with(&format!("cannot listen on {addr}: ")),
        "{err}"
    );
    assert!(err.contains("--example chat -- 127.0.0.1:3001"), "{err}");
}
