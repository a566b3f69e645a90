//! Too much from the server: an oversize websocket message, a polling body that never ends, and a flood of
//! events faster than the handler runs. The first two end the session (`transport error`, as the official
//! Node client on `ws`'s `maxPayload`); the flood is slowed down by backpressure, and nothing is lost.

use crate::server::{scripted_polling, scripted_websocket, text_frame, Conn, Hostile};
use crate::{init_tracing, options, rss, Probe};
use sio_client::{Bounds, DisconnectReason, Options, TransportKind};
use sio_protocol::websocket::{encode_header, OpCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const MIB: usize = 1 << 20;

/// How long a flood may take to get through (about 2 s here, plus the handler's sleep, on an idle machine).
const FLOOD_TIME: Duration = Duration::from_secs(20);

fn with_max_message(transport: TransportKind, max: usize) -> Options {
    options(transport).bounds(Bounds::default().max_message_size(max))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_message_over_max_message_size() {
    init_tracing();
    let big = format!(r#"42["big","{}"]"#, "x".repeat(2 * MIB));
    let server = scripted_websocket(vec![text_frame(&big)]).await;
    let mut probe = Probe::connect(
        &server.url(),
        with_max_message(TransportKind::WebSocket, MIB),
    );
    probe.connected().await;
    assert_eq!(probe.disconnected().await, DisconnectReason::TransportError);
    probe.connected().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_frame_announcing_a_terabyte() {
    init_tracing();
    let before = rss();
    let mut frame = Vec::new();
    encode_header(&mut frame, OpCode::Text, 1 << 40);
    frame.extend_from_slice(b"42[\"never ends\"");
    let server = scripted_websocket(vec![frame]).await;
    let mut probe = Probe::connect(&server.url(), options(TransportKind::WebSocket));
    probe.connected().await;
    assert_eq!(probe.disconnected().await, DisconnectReason::TransportError);
    probe.connected().await;
    let grown = rss().saturating_sub(before);
    assert!(grown < 64 * MIB, "RSS grew by {grown} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_body_that_never_ends() {
    init_tracing();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let server = scripted_polling(Arc::new(move |mut conn: Conn| {
        let sent = counter.clone();
        Box::pin(async move {
            conn.respond_chunked().await;
            let chunk = vec![b'x'; 64 * 1024];
            // "4xxxx..." for ever: one message that never ends
            let mut first = b"4".to_vec();
            first.extend_from_slice(&chunk);
            let mut data = first;
            while conn.chunk(&data).await {
                sent.fetch_add(data.len(), Ordering::AcqRel);
                data = chunk.clone();
            }
        })
    }))
    .await;
    let before = rss();
    let mut probe = Probe::connect(&server.url(), with_max_message(TransportKind::Polling, MIB));
    probe.connected().await;
    assert_eq!(probe.disconnected().await, DisconnectReason::TransportError);
    probe.connected().await;
    let grown = rss().saturating_sub(before);
    assert!(grown < 64 * MIB, "RSS grew by {grown} bytes");
    let sent = sent.load(Ordering::Acquire);
    assert!(sent < 64 * MIB, "the client read {sent} bytes of the body");
}

/// Floods `count` events of about 1 KiB each as fast as the client reads them.
async fn flooding_server(count: usize) -> Hostile {
    let pad = "p".repeat(1000);
    let mut frames = Vec::new();
    for i in 0..count {
        frames.extend(text_frame(&format!(r#"42["flood",{i},"{pad}"]"#)));
    }
    scripted_websocket(vec![frames]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_faster_than_the_handler_is_held_back_not_buffered() {
    init_tracing();
    const COUNT: usize = 100_000;
    let server = flooding_server(COUNT).await;
    let received = Arc::new(AtomicUsize::new(0));
    let in_order = Arc::new(AtomicUsize::new(0));
    let mut probe = Probe::connect(&server.url(), options(TransportKind::WebSocket));
    let (r, o) = (received.clone(), in_order.clone());
    probe.socket.on("flood", move |e| {
        let i: usize = e.args[0].as_u64().unwrap_or(u64::MAX) as usize;
        if i == 0 {
            // a slow handler: the server goes on flooding meanwhile
            std::thread::sleep(Duration::from_secs(2));
        }
        if i == r.fetch_add(1, Ordering::AcqRel) {
            o.fetch_add(1, Ordering::AcqRel);
        }
    });
    let before = rss();
    probe.connected().await;
    let mut peak = 0;
    let start = Instant::now();
    while received.load(Ordering::Acquire) < COUNT {
        assert!(
            start.elapsed() < FLOOD_TIME,
            "only {} events in time",
            received.load(Ordering::Acquire)
        );
        peak = peak.max(rss().saturating_sub(before));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // unbounded, 100k events of 1 KiB would take well over 100 MiB
    assert!(peak < 48 * MIB, "RSS grew by {peak} bytes during the flood");
    assert_eq!(
        in_order.load(Ordering::Acquire),
        COUNT,
        "events lost or reordered"
    );
    assert!(
        probe.socket.connected(),
        "the flood is not a reason to disconnect"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_over_polling_is_held_back_too() {
    init_tracing();
    const COUNT: usize = 20_000;
    let pad = "p".repeat(1000);
    let mut body = Vec::new();
    for i in 0..COUNT {
        if i > 0 {
            body.push(0x1e);
        }
        body.extend(format!(r#"42["flood",{i},"{pad}"]"#).into_bytes());
    }
    let body = Arc::new(body);
    let server = scripted_polling(Arc::new(move |mut conn: Conn| {
        let body = body.clone();
        Box::pin(async move {
            conn.respond(&body).await;
            let _ = conn.stream.flush().await;
            std::future::pending::<()>().await;
        })
    }))
    .await;
    let received = Arc::new(AtomicUsize::new(0));
    let mut probe = Probe::connect(&server.url(), options(TransportKind::Polling));
    let r = received.clone();
    probe.socket.on("flood", move |e| {
        if e.args[0].as_u64() == Some(0) {
            std::thread::sleep(Duration::from_secs(1));
        }
        r.fetch_add(1, Ordering::AcqRel);
    });
    probe.connected().await;
    let start = Instant::now();
    while received.load(Ordering::Acquire) < COUNT {
        assert!(
            start.elapsed() < FLOOD_TIME,
            "only {received:?} events in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(probe.socket.connected());
}
