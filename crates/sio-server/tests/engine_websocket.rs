//! WebSocket sessions and the polling-to-websocket upgrade, with a real websocket client.

mod engine_support;

use engine_support::{client, fast_config, heartbeat_config, Ev, Fixture};
use futures_util::{SinkExt, StreamExt};
use sio_protocol::engine::{Frame, Packet};
use sio_server::engine::CloseReason;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

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

async fn open_ws(f: &Fixture) -> (Ws, String) {
    let (mut ws, _) = connect_async(format!("{}&transport=websocket", f.ws_base))
        .await
        .expect("connect");
    let open = next_text(&mut ws).await;
    assert!(open.starts_with('0'), "{open}");
    let v: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    assert_eq!(v["upgrades"], serde_json::json!([]));
    (ws, v["sid"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn websocket_only_session_echoes_text_and_binary() {
    let mut f = Fixture::start(fast_config()).await;
    let (mut ws, sid) = open_ws(&f).await;
    assert_eq!(f.next_event().await, Ev::Open(sid.clone()));
    assert_eq!(
        f.engine.socket(&sid).unwrap().transport(),
        sio_server::Transport::Websocket
    );
    ws.send(Message::text("4héllo")).await.unwrap();
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4héllo");
    assert_eq!(next(&mut ws).await, Some(Message::binary(vec![1u8, 2, 3])));
    assert_eq!(
        f.next_event().await,
        Ev::Message(sid.clone(), Packet::Message("héllo".into()))
    );
    ws.send(Message::text("1")).await.unwrap();
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportClose);
    assert_eq!(next(&mut ws).await, None);
}

#[tokio::test]
async fn websocket_heartbeat_and_ping_timeout() {
    let mut f = Fixture::start(heartbeat_config(Duration::from_millis(1500))).await;
    let (mut ws, sid) = open_ws(&f).await;
    for _ in 0..2 {
        assert_eq!(next_text(&mut ws).await, "2");
        ws.send(Message::text("3")).await.unwrap();
    }
    assert_eq!(next_text(&mut ws).await, "2");
    assert_eq!(f.close_of(&sid).await, CloseReason::PingTimeout);
    assert_eq!(next(&mut ws).await, None);
}

#[tokio::test]
async fn websocket_message_over_the_limit_closes_the_session() {
    let mut f = Fixture::start(fast_config().max_http_buffer_size(64)).await;
    let (mut ws, sid) = open_ws(&f).await;
    ws.send(Message::text(format!("4{}", "x".repeat(100))))
        .await
        .unwrap();
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportError);
    // As the `ws` package does for `maxPayload`: close code 1009, no reason.
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("close in time")
        {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    let close = close.map(|c| (u16::from(c.code), c.reason.to_string()));
    assert_eq!(close, Some((1009, String::new())));
}

#[tokio::test]
async fn a_probe_over_the_limit_is_refused_and_the_session_stays_on_polling() {
    let f = Fixture::start(fast_config().max_http_buffer_size(64)).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let (mut ws, _) = connect_async(format!("{}&transport=websocket&sid={sid}", f.ws_base))
        .await
        .unwrap();
    ws.send(Message::text(format!("2{}", "x".repeat(100))))
        .await
        .unwrap();
    // As `ws` refuses it: 1009, no reason.
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("close in time")
        {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    let close = close.map(|c| (u16::from(c.code), c.reason.to_string()));
    assert_eq!(close, Some((1009, String::new())));
    c.post(f.poll_url(&sid)).body("4poll").send().await.unwrap();
    let res = c.get(f.poll_url(&sid)).send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "4poll");
}

#[tokio::test]
async fn closing_a_client_websocket_is_transport_close() {
    let mut f = Fixture::start(fast_config()).await;
    let (mut ws, sid) = open_ws(&f).await;
    ws.close(None).await.unwrap();
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportClose);
}

#[tokio::test]
async fn server_close_and_batched_writes_reach_the_client_in_order() {
    let mut f = Fixture::start(fast_config()).await;
    let (mut ws, sid) = open_ws(&f).await;
    let socket = f.engine.socket(&sid).unwrap();
    let frames: Vec<Frame> = (0..50).map(|i| Frame::message(&i.to_string())).collect();
    for chunk in frames.chunks(7) {
        socket.send(chunk).unwrap();
    }
    socket.close(CloseReason::ForcedClose);
    for i in 0..50 {
        assert_eq!(next_text(&mut ws).await, format!("4{i}"));
    }
    assert_eq!(next(&mut ws).await, None);
    assert_eq!(f.close_of(&sid).await, CloseReason::ForcedClose);
}

#[tokio::test]
async fn upgrade_from_polling_keeps_frames_buffered_during_the_upgrade() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let (mut ws, _) = connect_async(format!("{}&transport=websocket&sid={sid}", f.ws_base))
        .await
        .unwrap();
    let pending = tokio::spawn({
        let c = c.clone();
        let url = f.poll_url(&sid);
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    });
    ws.send(Message::text("2probe")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "3probe");
    // With nothing to take, the waiting poll is released with a noop; frames sent once no GET waits
    // go out on the new transport.
    assert_eq!(pending.await.unwrap(), "6");
    let socket = f.engine.socket(&sid).unwrap();
    assert!(!socket.is_writable());
    socket
        .send(&[Frame::message("a"), Frame::message("b")])
        .unwrap();
    ws.send(Message::text("5")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4a");
    assert_eq!(next_text(&mut ws).await, "4b");
    loop {
        if f.next_event().await == Ev::Upgrade(sid.clone()) {
            break;
        }
    }
    assert_eq!(socket.transport(), sio_server::Transport::Websocket);
    ws.send(Message::text("4after")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4after");
    // Polling requests and a second websocket are refused once upgraded.
    let res = c.get(f.poll_url(&sid)).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let (mut second, _) = connect_async(format!("{}&transport=websocket&sid={sid}", f.ws_base))
        .await
        .unwrap();
    assert_eq!(next(&mut second).await, None);
    ws.send(Message::text("4still")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4still");
}

/// Polls until the session has a GET waiting with nothing queued for it.
async fn until_a_get_waits(f: &Fixture, sid: &str) {
    let socket = f.engine.socket(sid).unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !socket.is_writable() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("the GET waits");
}

#[tokio::test]
async fn during_an_upgrade_the_waiting_get_takes_what_is_sent_at_once() {
    // As engine.io: after `3probe`, polling carries the session until `5`; its 100 ms check only
    // answers `6` to a GET that is still idle.
    let f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let get = |c: &reqwest::Client| {
        let c = c.clone();
        let url = f.poll_url(&sid);
        tokio::spawn(async move {
            let body = c.get(url).send().await.unwrap().text().await.unwrap();
            (body, tokio::time::Instant::now())
        })
    };
    let pending = get(&c);
    until_a_get_waits(&f, &sid).await;
    let (mut ws, _) = connect_async(format!("{}&transport=websocket&sid={sid}", f.ws_base))
        .await
        .unwrap();
    ws.send(Message::text("2probe")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "3probe");
    // The echo of a POSTed message comes on the waiting GET, at once (not after a noop, 100 ms on).
    let posted = tokio::time::Instant::now();
    let res = c
        .post(f.poll_url(&sid))
        .body("4hello")
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "ok");
    let (body, answered) = pending.await.unwrap();
    assert_eq!(body, "4hello");
    let took = answered - posted;
    assert!(took < Duration::from_millis(100), "answered after {took:?}");

    // A GET that stays idle gets `6` from the periodic check; what is sent once no GET waits goes
    // out on the websocket after `5`.
    let started = tokio::time::Instant::now();
    let (body, answered) = get(&c).await.unwrap();
    assert_eq!(body, "6");
    assert!(answered - started <= Duration::from_millis(1_000));
    let socket = f.engine.socket(&sid).unwrap();
    socket.send(&[Frame::message("after noop")]).unwrap();
    ws.send(Message::text("5")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4after noop");
    assert_eq!(socket.transport(), sio_server::Transport::Websocket);
}

#[tokio::test]
async fn upgrade_times_out_and_the_session_stays_on_polling() {
    let f = Fixture::start(fast_config().upgrade_timeout(Duration::from_millis(200))).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let (mut ws, _) = connect_async(format!("{}&transport=websocket&sid={sid}", f.ws_base))
        .await
        .unwrap();
    assert_eq!(
        next(&mut ws).await,
        None,
        "probe websocket closed after upgradeTimeout"
    );
    let socket = f.engine.socket(&sid).unwrap();
    assert_eq!(socket.transport(), sio_server::Transport::Polling);
    c.post(f.poll_url(&sid)).body("4poll").send().await.unwrap();
    let res = c.get(f.poll_url(&sid)).send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "4poll");
}

#[tokio::test]
async fn shutdown_closes_websocket_sessions() {
    let mut f = Fixture::start(fast_config()).await;
    let (mut ws, sid) = open_ws(&f).await;
    tokio::time::timeout(Duration::from_secs(10), f.server.shutdown())
        .await
        .expect("shutdown in time");
    assert_eq!(next(&mut ws).await, None);
    assert_eq!(f.engine.sessions(), 0);
    let mut reason = None;
    while let Ok(ev) = f.events.try_recv() {
        if let Ev::Close(s, r) = ev {
            assert_eq!(s, sid);
            reason = Some(r);
        }
    }
    assert_eq!(reason, Some(CloseReason::ServerShuttingDown));
}

#[tokio::test]
async fn websocket_handshake_sets_the_cookie_and_sends_the_initial_packet() {
    let f = Fixture::start(
        fast_config()
            .cookie(Some(sio_server::engine::CookieConfig::default()))
            .initial_packet(Some(Frame::message("hi"))),
    )
    .await;
    let (mut ws, res) = connect_async(format!("{}&transport=websocket", f.ws_base))
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    let open = next_text(&mut ws).await;
    let v: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    let sid = v["sid"].as_str().unwrap();
    assert_eq!(cookie, format!("io={sid}; Path=/; HttpOnly; SameSite=Lax"));
    assert_eq!(next_text(&mut ws).await, "4hi");
    let socket = f.engine.socket(sid).unwrap();
    assert!(socket.is_writable());
}

#[tokio::test]
async fn a_second_websocket_for_a_websocket_session_is_closed() {
    let f = Fixture::start(fast_config()).await;
    let (mut ws, sid) = open_ws(&f).await;
    let (mut second, _) = connect_async(format!("{}&transport=websocket&sid={sid}", f.ws_base))
        .await
        .expect("101 as engine.io answers");
    assert_eq!(next(&mut second).await, None);
    ws.send(Message::text("4still")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4still");
    let res = client().get(f.poll_url(&sid)).send().await.unwrap();
    assert_eq!(res.status(), 400);
}
