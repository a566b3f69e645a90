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

/// Mounted as a tower layer in an axum router (other routes still served), the same suite passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_mounted_in_axum() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;

    async fn peer_addr(
        ConnectInfo(addr): ConnectInfo<SocketAddr>,
        mut req: axum::extract::Request,
        next: axum::middleware::Next,
    ) -> axum::response::Response {
        req.extensions_mut()
            .insert(sio_server::engine::RemoteAddr(addr));
        next.run(req).await
    }

    let io = common::interop_server(ServerConfig::default());
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .layer(io.layer())
        .layer(axum::middleware::from_fn(peer_addr));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    let health = reqwest::get(format!("http://{addr}/health"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(health, "ok");
    common::run_node(
        "server/interop.mjs",
        &[&format!("http://{addr}"), "upgrade"],
        Duration::from_secs(120),
    )
    .await;
    io.close().await;
    server.abort();
}
