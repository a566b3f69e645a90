//! Volatile packets are dropped when the transport is not writable (a polling client with no pending GET);
//! other packets wait in the queue.

mod common;

use sio_server::{Server, ServerConfig, Socket};
use std::time::Duration;
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volatile_is_dropped_when_not_writable() {
    let io = Server::new(ServerConfig::default());
    let (tx, mut rx) = mpsc::unbounded_channel();
    io.on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(socket);
        }
    });
    let (_server, addr) = common::start(&io).await;
    let http = reqwest::Client::new();
    let base = format!("http://{addr}/socket.io/?EIO=4&transport=polling");
    let open = http.get(&base).send().await.unwrap().text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    let url = format!("{base}&sid={}", v["sid"].as_str().unwrap());
    http.post(&url).body("40").send().await.unwrap();
    let connect = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(connect.starts_with("40{\"sid\":"), "{connect}");
    let socket = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();

    // No GET pending: not writable.
    assert!(!socket.conn().is_writable());
    socket.volatile().emit("dropped", &1).unwrap();
    io.volatile().emit("dropped-too", &2).await.unwrap();
    socket.emit("kept", &3).unwrap();
    io.emit("kept-too", &4).await.unwrap();
    let body = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, "42[\"kept\",3]\u{1e}42[\"kept-too\",4]");
}
