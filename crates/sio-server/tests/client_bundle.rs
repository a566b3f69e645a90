//! The client bundle (`serveClient`): the same answers as the official server for every file, tag and
//! coding (compared request by request with npm socket.io by `tests/js/server/client_bundle.mjs`), a clear
//! 404 when the files are not installed, and the engine's own answers when it is turned off.

mod common;

use sio_server::{Server, ServerConfig};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundle_is_served_as_the_official_server_serves_it() {
    let io = Server::new(ServerConfig::default());
    let (server, addr) = common::start(&io).await;
    common::run_node(
        "server/client_bundle.mjs",
        &[&format!("http://{addr}")],
        Duration::from_secs(60),
    )
    .await;
    server.shutdown().await;
}

async fn get(url: &str) -> (u16, Option<String>, String) {
    let res = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, ctype, res.text().await.unwrap())
}

#[tokio::test]
async fn a_missing_bundle_is_a_404_that_says_why() {
    let io = Server::new(ServerConfig::default().client_dir("/nonexistent/socket.io-client/dist"));
    let (server, addr) = common::start(&io).await;
    let (status, ctype, body) = get(&format!("http://{addr}/socket.io/socket.io.min.js")).await;
    assert_eq!(status, 404);
    assert_eq!(ctype.as_deref(), Some("text/plain; charset=utf-8"));
    assert!(
        body.contains("client bundle is not installed") && body.contains("npm ci"),
        "{body}"
    );
    // The engine still works.
    let (status, _, body) = get(&format!("http://{addr}/socket.io/?EIO=4&transport=polling")).await;
    assert_eq!(status, 200);
    assert!(body.starts_with("0{"), "{body}");
    server.shutdown().await;
}

#[tokio::test]
async fn the_bundle_follows_the_path_and_can_be_turned_off() {
    let io = Server::new(ServerConfig::default().path("/chat/io"));
    let (server, addr) = common::start(&io).await;
    let (status, ctype, body) = get(&format!("http://{addr}/chat/io/socket.io.js")).await;
    assert_eq!(status, 200);
    assert_eq!(
        ctype.as_deref(),
        Some("application/javascript; charset=utf-8")
    );
    assert!(body.contains("Socket.IO"), "not the client bundle");
    assert_eq!(
        get(&format!("http://{addr}/socket.io/socket.io.js"))
            .await
            .0,
        404
    );
    server.shutdown().await;

    let io = Server::new(ServerConfig::default().serve_client(false));
    let (server, addr) = common::start(&io).await;
    let (status, _, body) = get(&format!("http://{addr}/socket.io/socket.io.js")).await;
    assert_eq!(status, 400);
    assert_eq!(body, r#"{"code":0,"message":"Transport unknown"}"#);
    server.shutdown().await;
}
