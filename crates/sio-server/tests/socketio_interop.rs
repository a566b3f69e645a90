//! The official socket.io-client (npm 4.8.x) drives the server through every feature, over polling,
//! websocket, upgrade, and with the msgpack parser.

mod common;

use sio_server::ServerConfig;
use std::time::Duration;

async fn run(mode: &str, config: ServerConfig) {
    let io = common::interop_server(config);
    let (server, addr) = common::start(&io).await;
    common::run_node(
        "server/interop.mjs",
        &[&format!("http://{addr}"), mode],
        Duration::from_secs(120),
    )
    .await;
    io.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_over_polling() {
    run("polling", ServerConfig::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_over_websocket() {
    run("websocket", ServerConfig::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_with_upgrade() {
    run("upgrade", ServerConfig::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_with_msgpack_parser() {
    run(
        "msgpack",
        ServerConfig::default().parser(sio_server::parser::msgpack_parser()),
    )
    .await;
}
