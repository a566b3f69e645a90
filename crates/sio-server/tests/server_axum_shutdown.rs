//! Shutting down in axum with a long-polling client connected: with `io.close_on(signal)` as axum's graceful
//! shutdown, sio closes first and answers the waiting GET at once, so axum stops at once; shutting axum down
//! first waits for that GET until the next ping (`pingInterval`), as the docs of `close_on` say.

use sio_server::{Server, ServerConfig};
use std::future::Future;
use std::time::{Duration, Instant};

const PING_INTERVAL: Duration = Duration::from_secs(3);

/// A Socket.IO client over long-polling, connected to `/`, with a GET waiting: its answer comes on the
/// returned task.
async fn polling_client(base: &str) -> tokio::task::JoinHandle<String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let open = http
        .get(format!("{base}/socket.io/?EIO=4&transport=polling"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&open[1..]).expect("open packet");
    let url = format!(
        "{base}/socket.io/?EIO=4&transport=polling&sid={}",
        v["sid"].as_str().unwrap()
    );
    let posted = http.post(&url).body("40").send().await.unwrap();
    assert_eq!(posted.status(), 200);
    let connected = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(connected.starts_with("40{"), "{connected}");
    let waiting =
        tokio::spawn(async move { http.get(&url).send().await.unwrap().text().await.unwrap() });
    // Let the GET reach the server and wait there.
    tokio::time::sleep(Duration::from_millis(200)).await;
    waiting
}

/// Serves `io` in axum with `shutdown` as its graceful shutdown; returns the base URL and the server task.
async fn serve(
    io: &Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let app = axum::Router::new().layer(io.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    });
    (base, task)
}

fn server() -> Server {
    Server::new(ServerConfig::default().ping_interval(PING_INTERVAL))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_on_stops_axum_at_once_with_a_long_poll_waiting() {
    let io = server();
    let (signal, fired) = tokio::sync::oneshot::channel::<()>();
    let (base, task) = serve(
        &io,
        io.close_on(async {
            let _ = fired.await;
        }),
    )
    .await;
    let waiting = polling_client(&base).await;
    let started = Instant::now();
    signal.send(()).unwrap();
    task.await.unwrap().unwrap();
    let took = started.elapsed();
    assert!(took < PING_INTERVAL / 2, "axum stopped after {took:?}");
    let answer = waiting.await.unwrap();
    // As officially, the sockets close without a DISCONNECT packet; the session's close packet ends the GET.
    assert_eq!(answer, "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_axum_down_first_waits_for_the_long_poll() {
    let io = server();
    let (signal, fired) = tokio::sync::oneshot::channel::<()>();
    let (base, task) = serve(&io, async {
        let _ = fired.await;
    })
    .await;
    let waiting = polling_client(&base).await;
    let started = Instant::now();
    signal.send(()).unwrap();
    task.await.unwrap().unwrap();
    let took = started.elapsed();
    assert!(
        took >= PING_INTERVAL / 2,
        "the waiting GET held axum for {took:?}"
    );
    io.close().await;
    let answer = waiting.await.unwrap();
    assert!(
        answer.starts_with('2'),
        "the ping ended the GET: {answer:?}"
    );
}
