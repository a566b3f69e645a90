//! Session lifecycles: every way a session ends leaves no entry in the registry and no task behind.

mod engine_support;

use engine_support::{client, fast_config, Ev, Fixture, Recorder};
use futures_util::{SinkExt, StreamExt};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sio_protocol::engine::Frame;
use sio_server::engine::{CloseReason, Engine};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// The next data message, `None` once the websocket is closed.
async fn next(ws: &mut Ws) -> Option<Message> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("message in time")
        {
            Some(Ok(Message::Ping(_))) | Some(Ok(Message::Pong(_))) => continue,
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(m)) => return Some(m),
        }
    }
}

async fn next_text(ws: &mut Ws) -> String {
    match next(ws).await {
        Some(Message::Text(t)) => t.to_string(),
        other => panic!("expected text, got {other:?}"),
    }
}

fn sid_of_open(open: &str) -> String {
    assert!(open.starts_with('0'), "{open}");
    let v: serde_json::Value = serde_json::from_str(&open[1..]).expect("open json");
    v["sid"].as_str().expect("sid").to_string()
}

async fn open_ws(f: &Fixture) -> (Ws, String) {
    let (mut ws, _) = connect_async(format!("{}&transport=websocket", f.ws_base))
        .await
        .expect("connect");
    let sid = sid_of_open(&next_text(&mut ws).await);
    (ws, sid)
}

/// Waits until only `baseline` references to the engine remain: every session task (and every
/// HTTP connection) has ended.
async fn tasks_end(engine: &Arc<Engine<Recorder>>, baseline: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while Arc::strong_count(engine) > baseline {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} session tasks still hold the engine",
            Arc::strong_count(engine) - baseline
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn many_sessions_of_every_kind_open_and_close_without_leaks() {
    const N: usize = 8;
    let mut f = Fixture::start(fast_config()).await;
    let baseline = Arc::strong_count(&f.engine);
    let c = client();
    let mut expected = Vec::new();

    for _ in 0..N {
        // Polling, closed by the client's `1`.
        let sid = f.open_polling(&c).await;
        let res = c.post(f.poll_url(&sid)).body("1").send().await.unwrap();
        assert_eq!(res.status(), 200);
        expected.push((sid, CloseReason::TransportClose));

        // Polling, closed by the server with a poll waiting.
        let sid = f.open_polling(&c).await;
        let poll = tokio::spawn({
            let (c, url) = (c.clone(), f.poll_url(&sid));
            async move { c.get(url).send().await.unwrap().text().await.unwrap() }
        });
        let socket = f.engine.socket(&sid).unwrap();
        while !socket.is_writable() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        socket.close(CloseReason::ForcedClose);
        assert_eq!(poll.await.unwrap(), "1");
        expected.push((sid, CloseReason::ForcedClose));

        // Websocket, closed by the client's close frame.
        let (mut ws, sid) = open_ws(&f).await;
        ws.close(None).await.unwrap();
        assert_eq!(next(&mut ws).await, None);
        expected.push((sid, CloseReason::TransportClose));

        // Websocket, dropped without a close frame.
        let (ws, sid) = open_ws(&f).await;
        drop(ws);
        expected.push((sid, CloseReason::TransportClose));

        // Websocket, closed by the server.
        let (mut ws, sid) = open_ws(&f).await;
        f.engine
            .socket(&sid)
            .unwrap()
            .close(CloseReason::ForcedClose);
        assert_eq!(next(&mut ws).await, None);
        expected.push((sid, CloseReason::ForcedClose));

        // Upgraded from polling, then closed by the client's `1` over the websocket.
        let sid = f.open_polling(&c).await;
        let (mut ws, _) = connect_async(format!("{}&transport=websocket&sid={sid}", f.ws_base))
            .await
            .unwrap();
        ws.send(Message::text("2probe")).await.unwrap();
        assert_eq!(next_text(&mut ws).await, "3probe");
        ws.send(Message::text("5")).await.unwrap();
        ws.send(Message::text("1")).await.unwrap();
        assert_eq!(next(&mut ws).await, None);
        expected.push((sid, CloseReason::TransportClose));

        // An upgrade abandoned mid-probe, then the polling session closed by the client.
        let sid = f.open_polling(&c).await;
        let (mut ws, _) = connect_async(format!("{}&transport=websocket&sid={sid}", f.ws_base))
            .await
            .unwrap();
        ws.send(Message::text("2probe")).await.unwrap();
        assert_eq!(next_text(&mut ws).await, "3probe");
        drop(ws);
        let res = c.post(f.poll_url(&sid)).body("1").send().await.unwrap();
        assert_eq!(res.status(), 200);
        expected.push((sid, CloseReason::TransportClose));
    }

    let mut closed = Vec::new();
    while closed.len() < expected.len() {
        if let Ev::Close(sid, reason) = f.next_event().await {
            closed.push((sid, reason));
        }
    }
    closed.sort_by(|a, b| a.0.cmp(&b.0));
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(closed, expected);
    assert_eq!(f.engine.sessions(), 0);
    // Idle keep-alive connections hold the engine too: close them before counting.
    drop(c);
    tasks_end(&f.engine, baseline).await;
}

/// A close that begins while a client is upgrading and has no GET running (it stopped polling once probed)
/// waits for the upgrade, as engine.io's does: the client's `5` completes it, and what was queued before the
/// close goes over the websocket before it closes. Giving the upgrade up instead would lose those frames
/// (a Socket.IO DISCONNECT among them) and leave the client with a bare `transport close`.
#[tokio::test]
async fn a_close_during_an_upgrade_ends_on_the_new_websocket() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let (mut ws, _) = connect_async(format!("{}&transport=websocket&sid={sid}", f.ws_base))
        .await
        .unwrap();
    ws.send(Message::text("2probe")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "3probe");
    let socket = f.engine.socket(&sid).unwrap();
    socket.send(&[Frame::message("bye")]).unwrap();
    socket.close(CloseReason::ForcedClose);
    // The session is closing (waiting for a GET) before the upgrade packet comes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    ws.send(Message::text("5")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4bye");
    assert_eq!(next(&mut ws).await, None);
    loop {
        if let Ev::Close(closed, reason) = f.next_event().await {
            assert_eq!((closed, reason), (sid, CloseReason::ForcedClose));
            break;
        }
    }
}

/// Holds every `101` answer (notifying `held`) until `release` is notified, so that a websocket
/// handshake can straddle a shutdown.
async fn serve_holding_upgrades(
    engine: Arc<Engine<Recorder>>,
    held: Arc<Notify>,
    release: Arc<Notify>,
) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (engine, held, release) = (engine.clone(), held.clone(), release.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let (engine, held, release) = (engine.clone(), held.clone(), release.clone());
                    async move {
                        let res = engine.handle(req).await;
                        if res.status() == http::StatusCode::SWITCHING_PROTOCOLS {
                            held.notify_one();
                            release.notified().await;
                        }
                        Ok::<_, Infallible>(res)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_websocket_handshake_straddling_shutdown_does_not_outlive_it() {
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::new(fast_config(), Recorder(tx));
    let (held, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let addr = serve_holding_upgrades(engine.clone(), held.clone(), release.clone()).await;
    let connect = tokio::spawn(connect_async(format!(
        "ws://{addr}/engine.io/?EIO=4&transport=websocket"
    )));
    // The handshake was accepted (the 101 is held back); shut down before the upgrade completes.
    tokio::time::timeout(Duration::from_secs(10), held.notified())
        .await
        .expect("handshake in time");
    tokio::time::timeout(Duration::from_secs(10), engine.close())
        .await
        .expect("shutdown in time");
    release.notify_one();
    let (mut ws, _) = connect.await.unwrap().expect("101");
    // The websocket is refused a session: closed at once, no open packet.
    assert_eq!(next(&mut ws).await, None);
    assert_eq!(engine.sessions(), 0);
    assert!(events.try_recv().is_err(), "no session was opened");
}

/// Echoes, except that a message `panic` makes the handler panic.
struct Panicky(Recorder);

impl sio_server::engine::EngineHandler for Panicky {
    type Session = ();
    fn on_open(&self, socket: &sio_server::engine::EngineSocket) {
        self.0.on_open(socket)
    }
    fn on_message(
        &self,
        socket: &sio_server::engine::EngineSocket,
        _: &mut (),
        message: sio_protocol::engine::Packet,
    ) {
        if message == sio_protocol::engine::Packet::Message("panic".into()) {
            panic!("handler bug");
        }
        self.0.on_message(socket, &mut (), message)
    }
    fn on_close(&self, socket: &sio_server::engine::EngineSocket, _: (), reason: CloseReason) {
        self.0.on_close(socket, (), reason)
    }
}

#[tokio::test]
async fn a_panicking_handler_does_not_leave_its_session_registered() {
    let (tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::new(fast_config(), Panicky(Recorder(tx)));
    let server = engine.listen("127.0.0.1:0").await.unwrap();
    let url = format!(
        "ws://{}/engine.io/?EIO=4&transport=websocket",
        server.local_addr()
    );
    let (mut ws, _) = connect_async(url).await.unwrap();
    sid_of_open(&next_text(&mut ws).await);
    assert_eq!(engine.sessions(), 1);
    ws.send(Message::text("4panic")).await.unwrap();
    assert_eq!(next(&mut ws).await, None);
    assert_eq!(engine.sessions(), 0);
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown does not wait for the dead session");
}

#[tokio::test]
async fn a_handler_panicking_on_a_posted_message_closes_its_session() {
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::new(fast_config(), Panicky(Recorder(tx)));
    let server = engine.listen("127.0.0.1:0").await.unwrap();
    let base = format!(
        "http://{}/engine.io/?EIO=4&transport=polling",
        server.local_addr()
    );
    let c = client();
    let open = c.get(&base).send().await.unwrap().text().await.unwrap();
    let sid = sid_of_open(&open);
    let url = format!("{base}&sid={sid}");
    // The handler runs on the POST's own task: its panic ends that request, not the server.
    let post = c.post(&url).body("4panic").send().await;
    assert!(
        post.is_err(),
        "no answer from a request whose handler panicked"
    );
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("close in time")
            .expect("feed open");
        if ev == Ev::Close(sid.clone(), CloseReason::TransportError) {
            break;
        }
    }
    assert_eq!(engine.sessions(), 0);
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown in time");
}
