//! Slow and stalled servers: a handshake never answered, pings that stop, a server that stops reading.
//! Each ends with the official reason (`timeout` error, `ping timeout`) and bounded buffers: emits fail with
//! `SendBufferFull` instead of piling up.

use crate::server::{
    connect_reply, deaf_polling, good_websocket, open_packet, pings_then_silence, silent_server,
    Hostile,
};
use crate::{init_tracing, options, Probe};
use sio_client::{AckError, Bounds, DisconnectReason, Error, ManagerEvent, Options, TransportKind};
use sio_protocol::websocket::{encode_header, OpCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_never_answered_times_out_retries_and_bounds_the_send_buffer() {
    init_tracing();
    let server = silent_server().await;
    for transport in [TransportKind::Polling, TransportKind::WebSocket] {
        let opts = options(transport)
            .timeout(Duration::from_millis(300))
            .bounds(Bounds::default().buffered_emits(100));
        let mut probe = Probe::connect(&server.url(), opts);
        let attempts = Arc::new(AtomicUsize::new(0));
        let a = attempts.clone();
        probe.socket.manager().on("reconnect_attempt", move |e| {
            if let ManagerEvent::ReconnectAttempt(_) = e {
                a.fetch_add(1, Ordering::AcqRel);
            }
        });
        assert_eq!(probe.error().await, "timeout", "{transport:?}");
        assert_eq!(probe.error().await, "timeout", "{transport:?}");
        assert!(attempts.load(Ordering::Acquire) >= 1, "{transport:?}");
        // emits wait in the send buffer, up to its bound
        for i in 0..100 {
            probe.socket.emit("buffered", &i).unwrap();
        }
        let mut refused = None;
        for _ in 0..1000 {
            match probe.socket.emit("one too many", &()) {
                Err(e) => {
                    refused = Some(e);
                    break;
                }
                // the manager's task may not have counted the last emits yet
                Ok(()) => tokio::time::sleep(Duration::from_millis(1)).await,
            }
        }
        assert_eq!(refused, Some(Error::SendBufferFull), "{transport:?}");
        assert!(!probe.socket.connected());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_that_stop_are_a_ping_timeout_then_reconnect() {
    init_tracing();
    let server = pings_then_silence().await;
    let mut probe = Probe::connect(&server.url(), options(TransportKind::WebSocket));
    probe.connected().await;
    let started = std::time::Instant::now();
    assert_eq!(probe.disconnected().await, DisconnectReason::PingTimeout);
    assert!(started.elapsed() >= Duration::from_millis(300));
    probe.connected().await;
}

/// Emits 64 KiB until refused; returns the refusal and whether the socket was still connected then.
async fn emit_until_refused(socket: &sio_client::Socket) -> (Option<Error>, bool) {
    let chunk = "x".repeat(64 * 1024);
    // far more than the socket buffers hold: unbounded, this would queue gigabytes
    for _ in 0..20_000 {
        match socket.emit("upload", &chunk) {
            Ok(()) => tokio::task::yield_now().await,
            Err(e) => return (Some(e), socket.connected()),
        }
    }
    (None, socket.connected())
}

fn small_outgoing(transport: TransportKind) -> Options {
    options(transport).bounds(Bounds::default().outgoing_bytes(1 << 20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_posts_never_answered_fill_the_send_buffer_then_time_out() {
    init_tracing();
    let server = deaf_polling().await;
    let mut probe = Probe::connect(&server.url(), small_outgoing(TransportKind::Polling));
    probe.connected().await;
    let (refused, connected) = emit_until_refused(&probe.socket).await;
    assert_eq!(refused, Some(Error::SendBufferFull));
    assert!(
        connected,
        "refused by the engine's bound, not after the disconnection"
    );
    assert_eq!(probe.disconnected().await, DisconnectReason::PingTimeout);
    probe.connected().await;
    probe.socket.emit("after", &()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stops_reading_fills_the_send_buffer_then_times_out() {
    init_tracing();
    let sessions = Arc::new(AtomicUsize::new(0));
    let server = Hostile::start(move |req, mut conn| {
        let n = sessions.fetch_add(1, Ordering::AcqRel);
        Box::pin(async move {
            if n > 0 {
                good_websocket(req, conn, "good").await;
                return None;
            }
            conn.accept_websocket(&req).await;
            conn.text(&open_packet("deaf", 1000, 500, &[])).await;
            conn.text(&connect_reply("deaf")).await;
            // never reads again, never pings: the client's writes block once the TCP buffers are full
            std::future::pending::<()>().await;
            drop(conn);
            None
        })
    })
    .await;
    let mut probe = Probe::connect(&server.url(), small_outgoing(TransportKind::WebSocket));
    probe.connected().await;
    let (refused, connected) = emit_until_refused(&probe.socket).await;
    assert_eq!(refused, Some(Error::SendBufferFull));
    assert!(
        connected,
        "refused by the engine's bound, not after the disconnection"
    );
    assert_eq!(probe.disconnected().await, DisconnectReason::PingTimeout);
    probe.connected().await;
    probe.socket.emit("after", &()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_trickling_in_does_not_hold_off_the_ping_timeout() {
    init_tracing();
    let sessions = Arc::new(AtomicUsize::new(0));
    let server = Hostile::start(move |req, mut conn| {
        let n = sessions.fetch_add(1, Ordering::AcqRel);
        Box::pin(async move {
            if n > 0 {
                good_websocket(req, conn, "good").await;
                return None;
            }
            conn.accept_websocket(&req).await;
            conn.text(&open_packet("slow", 200, 200, &[])).await;
            conn.text(&connect_reply("slow")).await;
            // a 100 000-byte message, one byte every 10 ms
            let mut header = Vec::new();
            encode_header(&mut header, OpCode::Text, 100_000);
            let _ = conn.stream.write_all(&header).await;
            let _ = conn.stream.write_all(b"42[\"slow\",\"").await;
            while conn.stream.write_all(b"x").await.is_ok() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            None
        })
    })
    .await;
    let mut probe = Probe::connect(&server.url(), options(TransportKind::WebSocket));
    probe.connected().await;
    assert_eq!(probe.disconnected().await, DisconnectReason::PingTimeout);
    probe.connected().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_never_answered_are_bounded() {
    init_tracing();
    let server = Hostile::start(|req, conn| {
        Box::pin(async move {
            good_websocket(req, conn, "never-acks").await;
            None
        })
    })
    .await;
    let opts = options(TransportKind::WebSocket).bounds(Bounds::default().buffered_emits(50));
    let mut probe = Probe::connect(&server.url(), opts);
    probe.connected().await;
    let mut waiting = Vec::new();
    for i in 0..50 {
        waiting.push(probe.socket.emit_with_ack::<_, ()>("question", &i));
    }
    // plain emits still go out, once the manager's task has taken the emits handed to it
    let mut plain = Err(Error::Closed);
    for _ in 0..100 {
        plain = probe.socket.emit("plain", &());
        if plain.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(plain, Ok(()));
    tokio::time::sleep(Duration::from_millis(50)).await;
    // 50 acks wait: one more is refused at once
    let answer = probe.socket.emit_with_ack::<_, ()>("one too many", &());
    let refused = tokio::time::timeout(Duration::from_secs(1), answer).await;
    assert!(
        matches!(refused, Ok(Err(AckError::Send(Error::SendBufferFull)))),
        "{refused:?}"
    );
    assert!(probe.socket.connected());
}
