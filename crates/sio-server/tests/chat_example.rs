//! The chat example's handlers, driven by the official socket.io-client: login with an ack and with the
//! `login` event, messages, typing indicators, rooms and departures, over polling and websocket.

mod common;

#[path = "../examples/chat/handlers.rs"]
mod handlers;

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
