//! Async handlers (`on_async`): they run concurrently, answer acks after awaiting, start in the order of
//! their events, and no more than `Bounds::running_handlers` of a socket run at once. Against sio-server.

use sio_client::{io, Bounds, Options, TransportKind};
use sio_server::{Server, ServerConfig, Socket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Runs a server that, on `go`, asks the client `slow` three times at once and emits `answers` with them;
/// returns the most handlers the client ran at once, the order they started in, and the answers.
async fn three_slow_questions(running_handlers: usize) -> (usize, Vec<u64>, String, Duration) {
    let io_server = Server::new(ServerConfig::default());
    io_server.on_connection(|socket: Socket| async move {
        socket.on("go", |s: Socket| async move {
            let asks = (0..3_u64).map(|i| {
                s.timeout(Duration::from_secs(10))
                    .emit_with_ack::<_, u64>("slow", &i)
            });
            let answers = futures_util::future::join_all(asks).await;
            let _ = s.emit("answers", &format!("{answers:?}"));
        });
    });
    let server = io_server.listen("127.0.0.1:0").await.unwrap();
    let options = Options::default()
        .transports(vec![TransportKind::WebSocket])
        .bounds(Bounds::default().running_handlers(running_handlers));
    let socket = io(&format!("http://{}/", server.local_addr()), options).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(Mutex::new(Vec::new()));
    let (r, m, st) = (running.clone(), most.clone(), started.clone());
    socket.on_async("slow", move |event| {
        let (running, most, started) = (r.clone(), m.clone(), st.clone());
        async move {
            let i: u64 = event.data().unwrap();
            started.lock().unwrap().push(i);
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(200)).await;
            running.fetch_sub(1, Ordering::SeqCst);
            let _ = event.ack(&(i * 10));
        }
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    socket.on("answers", move |event| {
        let _ = tx.send(event.data::<String>().unwrap());
    });
    socket.connect().await.unwrap();
    let begun = Instant::now();
    socket.emit("go", &()).unwrap();
    let answers = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("answers within 10 s")
        .unwrap();
    let took = begun.elapsed();
    socket.disconnect();
    io_server.close().await;
    let started = started.lock().unwrap().clone();
    (most.load(Ordering::SeqCst), started, answers, took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_handlers_run_concurrently_and_answer_after_awaiting() {
    let (most, started, answers, took) = three_slow_questions(1024).await;
    // All three ran at once (no wall-time bound: a loaded machine may be slow to schedule them).
    assert_eq!(most, 3, "{took:?}");
    assert_eq!(started, [0, 1, 2]);
    assert_eq!(answers, "[Ok(0), Ok(10), Ok(20)]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_async_handlers_run_than_the_bound() {
    let (most, started, answers, took) = three_slow_questions(2).await;
    assert_eq!(most, 2);
    assert_eq!(started, [0, 1, 2]);
    assert_eq!(answers, "[Ok(0), Ok(10), Ok(20)]");
    assert!(took >= Duration::from_millis(400), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_harms_no_later_event() {
    let io_server = Server::new(ServerConfig::default());
    io_server.on_connection(|socket: Socket| async move {
        socket.on("go", |s: Socket| async move {
            let _ = s.emit("boom", &());
            let answer = s
                .timeout(Duration::from_secs(10))
                .emit_with_ack::<_, String>("after", &())
                .await;
            let _ = s.emit("answer", &format!("{answer:?}"));
        });
    });
    let server = io_server.listen("127.0.0.1:0").await.unwrap();
    let options = Options::default().transports(vec![TransportKind::WebSocket]);
    let socket = io(&format!("http://{}/", server.local_addr()), options).unwrap();
    socket.on_async("boom", |_event| async move {
        tokio::task::yield_now().await;
        panic!("a handler bug");
    });
    // A plain handler's panic ends that call only, too.
    socket.on("boom", |_event| panic!("another handler bug"));
    socket.on_async("after", |event| async move {
        let _ = event.ack("still here");
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    socket.on("answer", move |event| {
        let _ = tx.send(event.data::<String>().unwrap());
    });
    socket.connect().await.unwrap();
    socket.emit("go", &()).unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an answer within 10 s")
        .unwrap();
    assert_eq!(answer, r#"Ok("still here")"#);
    socket.disconnect();
    io_server.close().await;
}
