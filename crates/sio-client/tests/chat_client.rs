//! The `chat_client` example against sio-server's `chat` example: one welcome per login, and the room
//! events (which carry a room, not a count) printed instead of reported as payloads of the wrong type.

#[allow(dead_code)]
#[path = "../examples/chat_client.rs"]
mod chat_client;

#[path = "../../sio-server/examples/chat/handlers.rs"]
mod handlers;

use sio_client::{io, Options, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Waits for a line starting with `prefix`, returning every line seen until then.
async fn until(lines: &mut mpsc::UnboundedReceiver<String>, prefix: &str, seen: &mut Vec<String>) {
    let wait = async {
        while let Some(line) = lines.recv().await {
            seen.push(line.clone());
            if line.starts_with(prefix) {
                return;
            }
        }
        panic!("the client stopped before {prefix:?}");
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .unwrap_or_else(|_| panic!("no {prefix:?} line within 10 s; got {seen:#?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_client_prints_one_welcome_and_the_room_events() {
    let server = sio_server::Server::new(sio_server::ServerConfig::default());
    handlers::register(&server);
    let http = server.listen("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", http.local_addr());

    let (tx, mut lines) = mpsc::unbounded_channel();
    let out: chat_client::Out = Arc::new(move |line| {
        let _ = tx.send(line);
    });
    let alice = io(&url, Options::default()).unwrap();
    chat_client::listen(&alice, "alice", out);
    alice.connect().await.unwrap();
    let mut seen = Vec::new();
    until(&mut lines, "* welcome to the chat", &mut seen).await;

    let bob = io(&url, Options::default()).unwrap();
    bob.connect().await.unwrap();
    let _: Value = bob
        .emit_args_with_ack("add user", vec![Value::from("bob")])
        .await
        .unwrap();
    until(&mut lines, "* bob joined (2 participants)", &mut seen).await;
    let _: Value = bob
        .emit_args_with_ack("join room", vec![Value::from("rust")])
        .await
        .unwrap();
    until(&mut lines, "* bob left lobby", &mut seen).await;
    let _: Value = alice
        .emit_args_with_ack("join room", vec![Value::from("rust")])
        .await
        .unwrap();
    let _: Value = bob
        .emit_args_with_ack("join room", vec![Value::from("lobby")])
        .await
        .unwrap();
    until(&mut lines, "* bob left rust", &mut seen).await;
    let _: Value = bob
        .emit_args_with_ack("join room", vec![Value::from("rust")])
        .await
        .unwrap();
    until(&mut lines, "* bob joined rust", &mut seen).await;

    let welcomes = seen.iter().filter(|l| l.contains("welcome")).count();
    assert_eq!(welcomes, 1, "{seen:#?}");
    assert!(
        !seen.iter().any(|l| l.starts_with("unexpected")),
        "{seen:#?}"
    );
    bob.disconnect();
    alice.disconnect();
    server.close().await;
    http.shutdown().await;
}
