//! Malformed packets, Engine.IO level (`transport error`, as the official client's "server error") and
//! Socket.IO level (`parse error`, as the official manager), over websocket and polling; then reconnection.

use crate::server::{
    good_websocket, scripted_polling, scripted_websocket, text_frame, Conn, Hostile,
};
use crate::{init_tracing, options, rss, Probe};
use sio_client::{DisconnectReason, TransportKind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Connects to `server` over `transport`, expects the first session to end with `reason` and a second one
/// to connect.
async fn disconnects_then_reconnects(
    server: &Hostile,
    transport: TransportKind,
    reason: DisconnectReason,
) {
    let mut probe = Probe::connect(&server.url(), options(transport));
    probe.connected().await;
    assert_eq!(probe.disconnected().await, reason, "{transport:?}");
    probe.connected().await;
    assert!(probe.socket.connected());
}

fn polling_body(body: &'static [u8]) -> crate::server::BadGet {
    Arc::new(move |mut conn: Conn| {
        Box::pin(async move {
            conn.respond(body).await;
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_engine_packet_type_over_websocket() {
    init_tracing();
    let server = scripted_websocket(vec![text_frame("9whatever")]).await;
    disconnects_then_reconnects(
        &server,
        TransportKind::WebSocket,
        DisconnectReason::TransportError,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_polling_payload() {
    init_tracing();
    let server = scripted_polling(polling_body(b"6\x1e9whatever")).await;
    disconnects_then_reconnects(
        &server,
        TransportKind::Polling,
        DisconnectReason::TransportError,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_socketio_packet_is_a_parse_error_on_both_transports() {
    init_tracing();
    let server = scripted_websocket(vec![text_frame(r#"42["unterminated"#)]).await;
    disconnects_then_reconnects(
        &server,
        TransportKind::WebSocket,
        DisconnectReason::ParseError,
    )
    .await;
    let server = scripted_polling(polling_body(br#"49["no such packet type"]"#)).await;
    disconnects_then_reconnects(
        &server,
        TransportKind::Polling,
        DisconnectReason::ParseError,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_billion_attachments_are_refused_without_allocating() {
    init_tracing();
    let before = rss();
    let announce = r#"451000000000-["x",{"_placeholder":true,"num":0}]"#;
    let server = scripted_websocket(vec![text_frame(announce)]).await;
    disconnects_then_reconnects(
        &server,
        TransportKind::WebSocket,
        DisconnectReason::ParseError,
    )
    .await;
    let grown = rss().saturating_sub(before);
    assert!(grown < 64 << 20, "RSS grew by {grown} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_is_a_parse_error_not_a_stack_overflow() {
    init_tracing();
    let depth = 100_000;
    let deep = format!(r#"42["deep",{}{}]"#, "[".repeat(depth), "]".repeat(depth));
    let server = scripted_websocket(vec![text_frame(&deep)]).await;
    disconnects_then_reconnects(
        &server,
        TransportKind::WebSocket,
        DisconnectReason::ParseError,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_attachment_without_a_packet_is_a_parse_error() {
    init_tracing();
    // a binary frame when no packet announced attachments
    let mut frame = Vec::new();
    sio_protocol::websocket::encode_header(&mut frame, sio_protocol::websocket::OpCode::Binary, 3);
    frame.extend_from_slice(&[1, 2, 3]);
    let server = scripted_websocket(vec![frame]).await;
    disconnects_then_reconnects(
        &server,
        TransportKind::WebSocket,
        DisconnectReason::ParseError,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_handshake_fails_the_attempt_then_the_next_one_connects() {
    init_tracing();
    let sessions = Arc::new(AtomicUsize::new(0));
    let server = Hostile::start(move |req, mut conn| {
        let n = sessions.fetch_add(1, Ordering::AcqRel);
        Box::pin(async move {
            match n {
                0 => {
                    conn.accept_websocket(&req).await;
                    conn.text(r#"0{"sid":42,"upgrades":"none"}"#).await;
                    conn.drain().await;
                }
                1 => {
                    conn.accept_websocket(&req).await;
                    conn.text("4not even an open packet").await;
                    conn.drain().await;
                }
                _ => good_websocket(req, conn, "good").await,
            }
            None
        })
    })
    .await;
    let mut probe = Probe::connect(&server.url(), options(TransportKind::WebSocket));
    let first = probe.error().await;
    assert!(first.starts_with("invalid handshake"), "{first}");
    let second = probe.error().await;
    assert!(second.starts_with("invalid handshake"), "{second}");
    probe.connected().await;
}
