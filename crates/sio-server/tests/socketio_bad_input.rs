//! Bad input from a peer: the spec's answer (close or CONNECT_ERROR), the official reason on the server side,
//! no panic, and every other client unaffected.

mod common;

use common::raw::{Raw, Received};
use sio_server::{DisconnectReason, Server, ServerConfig, Socket, Value};
use std::time::Duration;
use tokio::sync::mpsc;

/// An echo server that reports every disconnection reason.
async fn server(
    config: ServerConfig,
) -> (
    Server,
    std::net::SocketAddr,
    mpsc::UnboundedReceiver<(String, DisconnectReason)>,
) {
    let io = Server::new(config);
    let (tx, rx) = mpsc::unbounded_channel();
    io.on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            socket.on("echo", |s: Socket, args: Vec<Value>| async move {
                let _ = s.emit_args("echo", args);
            });
            socket.on_disconnect(move |s: Socket, reason| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send((s.id().to_owned(), reason));
                }
            });
        }
    });
    let (server, addr) = common::start(&io).await;
    std::mem::forget(server);
    (io, addr, rx)
}

async fn reason_of(
    rx: &mut mpsc::UnboundedReceiver<(String, DisconnectReason)>,
    id: &str,
) -> DisconnectReason {
    loop {
        let (sid, reason) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a disconnection within 10 s")
            .expect("channel open");
        if sid == id {
            return reason;
        }
    }
}

/// The bystander still gets its echo.
async fn bystander_still_served(bystander: &mut Raw) {
    bystander.send(r#"42["echo","still here"]"#).await;
    assert_eq!(bystander.next_text().await, r#"42["echo","still here"]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_packets_close_the_connection_with_parse_error() {
    let (_io, addr, mut rx) = server(ServerConfig::default()).await;
    let (mut bystander, _) = Raw::connected(addr).await;
    let cases: &[&str] = &[
        "4abc",                // unknown packet type
        "42{}",                // payload not an array
        r#"42abc["x"]"#,       // invalid ack id
        r#"42[]"#,             // event without a name
        r#"42["disconnect"]"#, // reserved event name
    ];
    for case in cases {
        let (mut raw, sid) = Raw::connected(addr).await;
        raw.send(case).await;
        raw.expect_closed().await;
        assert_eq!(
            reason_of(&mut rx, &sid).await,
            DisconnectReason::ParseError,
            "{case}"
        );
        bystander_still_served(&mut bystander).await;
    }
    // A placeholder that points past the attachments.
    {
        let case = r#"451-["x",{"_placeholder":true,"num":1}]"#;
        let (mut raw, sid) = Raw::connected(addr).await;
        raw.send(case).await;
        raw.send_binary(vec![1]).await;
        raw.expect_closed().await;
        assert_eq!(
            reason_of(&mut rx, &sid).await,
            DisconnectReason::ParseError,
            "{case}"
        );
        bystander_still_served(&mut bystander).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_attachments_close_the_connection() {
    let (_io, addr, mut rx) = server(ServerConfig::default()).await;
    let (mut bystander, _) = Raw::connected(addr).await;
    let (mut raw, sid) = Raw::connected(addr).await;
    raw.send(r#"4511-["echo"]"#).await;
    raw.expect_closed().await;
    assert_eq!(reason_of(&mut rx, &sid).await, DisconnectReason::ParseError);
    bystander_still_served(&mut bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unexpected_binary_frame_closes_the_connection() {
    let (_io, addr, mut rx) = server(ServerConfig::default()).await;
    let (mut raw, sid) = Raw::connected(addr).await;
    raw.send_binary(vec![1, 2, 3]).await;
    raw.expect_closed().await;
    assert_eq!(reason_of(&mut rx, &sid).await, DisconnectReason::ParseError);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_message_closes_the_connection() {
    let config = ServerConfig::default().max_http_buffer_size(1000);
    let (_io, addr, _rx) = server(config).await;
    let (mut bystander, _) = Raw::connected(addr).await;
    let (mut raw, _sid) = Raw::connected(addr).await;
    raw.send(&format!(r#"42["echo","{}"]"#, "x".repeat(2000)))
        .await;
    raw.expect_closed().await;
    bystander_still_served(&mut bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_before_connect_closes_the_connection() {
    let (_io, addr, _rx) = server(ServerConfig::default()).await;
    let mut raw = Raw::open(addr).await;
    raw.send(r#"42["echo",1]"#).await;
    raw.expect_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_right_behind_its_connect_finds_the_socket() {
    let (_io, addr, _rx) = server(ServerConfig::default()).await;
    let mut raw = Raw::open(addr).await;
    raw.send("40").await;
    raw.send(r#"42["echo",1]"#).await;
    assert!(raw.next_text().await.starts_with("40{\"sid\":"));
    assert_eq!(raw.next_text().await, r#"42["echo",1]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packet_for_a_namespace_not_joined_is_forced_server_close() {
    let (io, addr, mut rx) = server(ServerConfig::default()).await;
    io.of("/other");
    let (mut raw, sid) = Raw::connected(addr).await;
    raw.send(r#"42/other,["echo",1]"#).await;
    raw.expect_closed().await;
    assert_eq!(
        reason_of(&mut rx, &sid).await,
        DisconnectReason::ForcedServerClose
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_payload_must_be_an_object() {
    let (_io, addr, _rx) = server(ServerConfig::default()).await;
    let mut raw = Raw::open(addr).await;
    raw.send(r#"40"not an object""#).await;
    raw.expect_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_namespace_gets_connect_error_and_the_session_stays() {
    let (_io, addr, _rx) = server(ServerConfig::default()).await;
    let mut raw = Raw::open(addr).await;
    raw.send("40/nope,").await;
    assert_eq!(
        raw.next_text().await,
        r#"44/nope,{"message":"Invalid namespace"}"#
    );
    raw.send("40").await;
    assert!(raw.next_text().await.starts_with("40{\"sid\":"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ack_id_is_ignored() {
    let (_io, addr, _rx) = server(ServerConfig::default()).await;
    let (mut raw, _) = Raw::connected(addr).await;
    raw.send("4399[1]").await;
    raw.send(r#"42["echo","after"]"#).await;
    assert_eq!(raw.next_text().await, r#"42["echo","after"]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_namespace_joined_within_connect_timeout() {
    let config = ServerConfig::default().connect_timeout(Duration::from_millis(300));
    let (_io, addr, _rx) = server(config).await;
    let mut raw = Raw::open(addr).await;
    raw.expect_closed().await;
    // A client that joined in time stays.
    let (mut raw, _) = Raw::connected(addr).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    raw.send(r#"42["echo",1]"#).await;
    assert_eq!(raw.next_text().await, r#"42["echo",1]"#);
    // So does one that joined and left before the timeout: the timeout is for the first join only.
    let (mut raw, _) = Raw::connected(addr).await;
    raw.send("41").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    raw.send("40").await;
    assert!(raw.next_text().await.starts_with("40{\"sid\":"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_attachments_round_trip() {
    let (_io, addr, _rx) = server(ServerConfig::default()).await;
    let (mut raw, _) = Raw::connected(addr).await;
    raw.send(r#"451-["echo",{"_placeholder":true,"num":0}]"#)
        .await;
    raw.send_binary(vec![9, 8, 7]).await;
    assert_eq!(
        raw.next_text().await,
        r#"451-["echo",{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(raw.next().await, Received::Binary(vec![9, 8, 7]));
}
