//! HTTP long-polling sessions over real HTTP: echo, limits, close, heartbeat, CORS, cookie, compression.

mod engine_support;

use engine_support::{client, fast_config, heartbeat_config, Ev, Fixture};
use sio_protocol::engine::Packet;
use sio_server::engine::{CloseReason, CookieConfig, CorsConfig, EngineConfig, HttpCompression};
use std::io::Read;
use std::time::Duration;

#[tokio::test]
async fn handshake_echo_text_and_binary() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let res = c
        .get(format!("{}&transport=polling", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/plain; charset=UTF-8");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body = res.text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    let sid = v["sid"].as_str().unwrap().to_string();
    assert_eq!(sid.len(), 20);
    assert_eq!(v["upgrades"], serde_json::json!(["websocket"]));
    assert_eq!(v["pingInterval"], 30_000);
    assert_eq!(v["pingTimeout"], 20_000);
    assert_eq!(v["maxPayload"], 1_000_000);
    assert_eq!(f.next_event().await, Ev::Open(sid.clone()));

    let post = c
        .post(f.poll_url(&sid))
        .body("4hello\x1ebAQIDBA==")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);
    assert_eq!(post.headers()["content-type"], "text/html");
    assert_eq!(post.text().await.unwrap(), "ok");
    assert_eq!(
        f.next_event().await,
        Ev::Message(sid.clone(), Packet::Message("hello".into()))
    );
    assert_eq!(
        f.next_event().await,
        Ev::Message(sid.clone(), Packet::Binary(vec![1, 2, 3, 4].into()))
    );
    let poll = c.get(f.poll_url(&sid)).send().await.unwrap();
    assert_eq!(poll.text().await.unwrap(), "4hello\x1ebAQIDBA==");
    assert_eq!(f.engine.sessions(), 1);
}

#[tokio::test]
async fn post_over_the_limit_is_413_and_the_session_lives_on() {
    let f = Fixture::start(fast_config().max_http_buffer_size(100)).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let big = format!("4{}", "x".repeat(200));
    let res = c.post(f.poll_url(&sid)).body(big).send().await;
    if let Ok(res) = res {
        assert_eq!(res.status(), 413);
    }
    let ok = c
        .post(f.poll_url(&sid))
        .body("4small")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn close_packet_closes_with_transport_close_and_pending_poll_gets_noop() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let poll = tokio::spawn({
        let c = c.clone();
        let url = f.poll_url(&sid);
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    });
    // Wait until the poll is waiting in the session before closing.
    let socket = f.engine.socket(&sid).unwrap();
    while !socket.is_writable() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let res = c.post(f.poll_url(&sid)).body("1").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(poll.await.unwrap(), "6");
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportClose);
    let after = c.get(f.poll_url(&sid)).send().await.unwrap();
    assert_eq!(after.status(), 400);
}

#[tokio::test]
async fn second_concurrent_poll_is_400_and_closes_the_session() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let first = tokio::spawn({
        let c = c.clone();
        let url = f.poll_url(&sid);
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    });
    let socket = f.engine.socket(&sid).unwrap();
    while !socket.is_writable() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let second = c.get(f.poll_url(&sid)).send().await.unwrap();
    assert_eq!(second.status(), 400);
    assert_eq!(first.await.unwrap(), "1");
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportError);
}

#[tokio::test]
async fn aborted_poll_closes_the_session() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let aborting = reqwest::Client::builder().build().unwrap();
    let url = f.poll_url(&sid);
    let poll = tokio::spawn(async move { aborting.get(url).send().await });
    let socket = f.engine.socket(&sid).unwrap();
    while !socket.is_writable() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    poll.abort();
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportError);
}

#[tokio::test]
async fn bad_payload_closes_with_parse_error() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    // engine.io reads the POST whole and answers it `ok`; the session is what the payload ends.
    let res = c.post(f.poll_url(&sid)).body("abc").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(f.close_of(&sid).await, CloseReason::ParseError);
}

#[tokio::test]
async fn binary_content_type_is_refused() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let res = c
        .post(f.poll_url(&sid))
        .header("content-type", "application/octet-stream")
        .body(vec![4u8, 1, 2])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportError);
}

#[tokio::test]
async fn heartbeat_pings_and_times_out() {
    let mut f = Fixture::start(heartbeat_config(Duration::from_millis(1500))).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    for _ in 0..2 {
        let ping = c.get(f.poll_url(&sid)).send().await.unwrap();
        assert_eq!(ping.text().await.unwrap(), "2");
        let pong = c.post(f.poll_url(&sid)).body("3").send().await.unwrap();
        assert_eq!(pong.status(), 200);
    }
    // No pong this time.
    let ping = c.get(f.poll_url(&sid)).send().await.unwrap();
    assert_eq!(ping.text().await.unwrap(), "2");
    assert_eq!(f.close_of(&sid).await, CloseReason::PingTimeout);
    let after = c.get(f.poll_url(&sid)).send().await.unwrap();
    assert_eq!(after.status(), 400);
}

#[tokio::test]
async fn forced_close_delivers_queue_then_close_packet() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let socket = f.engine.socket(&sid).unwrap();
    socket
        .send(&[sio_protocol::engine::Frame::message("bye")])
        .unwrap();
    socket.close(CloseReason::ForcedClose);
    assert!(socket.is_closed());
    assert_eq!(
        socket.send(&[sio_protocol::engine::Frame::message("late")]),
        Err(sio_server::engine::SendError::Closed)
    );
    let poll = c.get(f.poll_url(&sid)).send().await.unwrap();
    assert_eq!(poll.text().await.unwrap(), "4bye\x1e1");
    assert_eq!(f.close_of(&sid).await, CloseReason::ForcedClose);
}

#[tokio::test]
async fn full_queue_refuses_and_closes() {
    let mut f = Fixture::start(fast_config().max_buffered_frames(3)).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let socket = f.engine.socket(&sid).unwrap();
    let m = sio_protocol::engine::Frame::message("x");
    socket.send(&[m.clone(), m.clone()]).unwrap();
    assert_eq!(
        socket.send(&[m.clone(), m.clone()]),
        Err(sio_server::engine::SendError::Full)
    );
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportError);
}

#[tokio::test]
async fn initial_packet_follows_the_handshake() {
    let f = Fixture::start(
        fast_config().initial_packet(Some(sio_protocol::engine::Frame::message("welcome"))),
    )
    .await;
    let c = client();
    let res = c
        .get(format!("{}&transport=polling", f.base))
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    // One payload, as engine.io answers the handshake: the open packet, then the initial packet.
    let (open, initial) = body.split_once('\x1e').expect("two packets");
    assert!(open.starts_with("0{"), "{open}");
    assert_eq!(initial, "4welcome");
}

#[tokio::test]
async fn cors_headers_and_preflight() {
    let f = Fixture::start(fast_config().cors(Some(CorsConfig::mirror_with_credentials()))).await;
    let c = client();
    let pre = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{}&transport=polling", f.base),
        )
        .header("origin", "http://example.com")
        .header("access-control-request-headers", "x-foo")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 204);
    let h = pre.headers();
    assert_eq!(h["access-control-allow-origin"], "http://example.com");
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert_eq!(
        h["access-control-allow-methods"],
        "GET,HEAD,PUT,PATCH,POST,DELETE"
    );
    assert_eq!(h["access-control-allow-headers"], "x-foo");
    let res = c
        .get(format!("{}&transport=polling", f.base))
        .header("origin", "http://example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://example.com"
    );
    assert_eq!(res.headers()["access-control-allow-credentials"], "true");
    let err = c
        .get(f.base.clone())
        .header("origin", "http://a.b")
        .send()
        .await
        .unwrap();
    assert_eq!(err.status(), 400);
    assert_eq!(err.headers()["access-control-allow-origin"], "http://a.b");
}

#[tokio::test]
async fn no_cors_headers_by_default() {
    let f = Fixture::start(fast_config()).await;
    let res = client()
        .get(format!("{}&transport=polling", f.base))
        .header("origin", "http://example.com")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert!(res.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn cookie_is_set_on_the_handshake() {
    let f = Fixture::start(fast_config().cookie(Some(CookieConfig::default()))).await;
    let c = client();
    let res = c
        .get(format!("{}&transport=polling", f.base))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    let body = res.text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    let sid = v["sid"].as_str().unwrap();
    assert_eq!(cookie, format!("io={sid}; Path=/; HttpOnly; SameSite=Lax"));
    let poll_post = c.post(f.poll_url(sid)).body("4x").send().await.unwrap();
    assert!(poll_post.headers().get("set-cookie").is_none());
}

async fn big_poll(f: &Fixture, c: &reqwest::Client, accept: Option<&str>) -> reqwest::Response {
    let sid = f.open_polling(c).await;
    let big = format!("4{}", "a".repeat(2000));
    c.post(f.poll_url(&sid)).body(big).send().await.unwrap();
    let mut req = c.get(f.poll_url(&sid));
    if let Some(a) = accept {
        req = req.header("accept-encoding", a);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn large_polls_are_compressed_as_the_client_accepts() {
    let f = Fixture::start(fast_config()).await;
    let c = client();
    let expected = format!("4{}", "a".repeat(2000));

    let gz = big_poll(&f, &c, Some("gzip, deflate")).await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let bytes = gz.bytes().await.unwrap();
    assert!(bytes.len() < 200);
    let mut out = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, expected);

    let df = big_poll(&f, &c, Some("deflate")).await;
    assert_eq!(df.headers()["content-encoding"], "deflate");
    let bytes = df.bytes().await.unwrap();
    let mut out = String::new();
    flate2::read::ZlibDecoder::new(&bytes[..])
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, expected);

    let plain = big_poll(&f, &c, None).await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.unwrap(), expected);
}

#[tokio::test]
async fn compression_can_be_turned_off_and_small_answers_stay_plain() {
    let f = Fixture::start(fast_config().http_compression(None)).await;
    let c = client();
    let res = big_poll(&f, &c, Some("gzip")).await;
    assert!(res.headers().get("content-encoding").is_none());
    let g = Fixture::start(
        EngineConfig::default().http_compression(Some(HttpCompression {
            threshold: 10_000,
            level: 6,
        })),
    )
    .await;
    let res = big_poll(&g, &c, Some("gzip")).await;
    assert!(res.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn shutdown_closes_every_session() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let a = f.open_polling(&c).await;
    let b = f.open_polling(&c).await;
    let poll = tokio::spawn({
        let c = c.clone();
        let url = f.poll_url(&a);
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    });
    let socket = f.engine.socket(&a).unwrap();
    while !socket.is_writable() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let engine = f.engine.clone();
    tokio::time::timeout(Duration::from_secs(10), f.server.shutdown())
        .await
        .expect("shutdown in time");
    assert_eq!(poll.await.unwrap(), "1");
    assert_eq!(engine.sessions(), 0);
    let mut closed = Vec::new();
    while let Ok(ev) = f.events.try_recv() {
        if let Ev::Close(sid, reason) = ev {
            assert_eq!(reason, CloseReason::ServerShuttingDown);
            closed.push(sid);
        }
    }
    closed.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(closed, expected);
}

#[tokio::test]
async fn shutdown_does_not_wait_for_a_session_closing_without_a_poll() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let socket = f.engine.socket(&sid).unwrap();
    socket.close(CloseReason::ForcedClose);
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(10), f.server.shutdown())
        .await
        .expect("shutdown in time");
    assert!(started.elapsed() < Duration::from_secs(5));
    let mut reason = None;
    while let Ok(ev) = f.events.try_recv() {
        if let Ev::Close(_, r) = ev {
            reason = Some(r);
        }
    }
    assert_eq!(reason, Some(CloseReason::ForcedClose));
}

#[tokio::test]
async fn sessions_keep_the_request_info() {
    let f = Fixture::start(fast_config()).await;
    let c = client();
    let res = c
        .get(format!("{}&transport=polling&foo=bar", f.base))
        .header("x-hello", "world")
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    let socket = f.engine.socket(v["sid"].as_str().unwrap()).unwrap();
    let info = socket.request();
    assert_eq!(info.headers()["x-hello"], "world");
    assert_eq!(info.query("foo").as_deref(), Some("bar"));
    assert_eq!(info.method, reqwest::Method::GET);
    assert!(info.remote_addr.unwrap().ip().is_loopback());
    assert!(!info.secure);
}

#[tokio::test]
async fn concurrent_posts_are_refused_and_close_the_session() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let addr = f.server.local_addr();
    // A POST whose body is still arriving...
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /engine.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 10\r\n\r\n4ab"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    // ...until the engine has started reading it.
    let started = tokio::time::Instant::now();
    let second = loop {
        let res = c.post(f.poll_url(&sid)).body("4cd").send().await.unwrap();
        if res.status() == 400 || started.elapsed() > Duration::from_secs(10) {
            break res;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(second.status(), 400);
    assert_eq!(f.close_of(&sid).await, CloseReason::TransportError);
    drop(slow.shutdown().await);
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
}

#[tokio::test]
async fn upgrades_can_be_disabled() {
    let f = Fixture::start(fast_config().allow_upgrades(false)).await;
    let c = client();
    let res = c
        .get(format!("{}&transport=polling", f.base))
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    assert_eq!(v["upgrades"], serde_json::json!([]));
    let sid = v["sid"].as_str().unwrap();
    let refused =
        tokio_tungstenite::connect_async(format!("{}&transport=websocket&sid={sid}", f.ws_base))
            .await;
    assert!(refused.is_err());
}

#[tokio::test(start_paused = true)]
async fn a_post_whose_body_stops_arriving_is_given_up() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let sid = f.open_polling(&c).await;
    let mut slow = tokio::net::TcpStream::connect(f.server.local_addr())
        .await
        .unwrap();
    let head = format!(
        "POST /engine.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 10\r\n\r\n4ab"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    // The clock is paused: it jumps ahead as soon as everything waits.
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(600), slow.read(&mut answer))
        .await
        .expect("the server answered the stalled POST")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    // Node's answer to a request that does not arrive within `requestTimeout`.
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let reason = f.close_of(&sid).await;
    assert!(
        matches!(
            reason,
            CloseReason::TransportError | CloseReason::PingTimeout
        ),
        "{reason:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posted_messages_never_reach_the_handler_after_its_close() {
    let mut f = Fixture::start(fast_config()).await;
    let c = client();
    let burst = vec!["4m"; 200].join("\x1e");
    for _ in 0..50 {
        let sid = f.open_polling(&c).await;
        let socket = f.engine.socket(&sid).unwrap();
        // The POST's task hands the messages over while the server closes the session (a reason
        // that does not wait for a last poll).
        let post = tokio::spawn(c.post(f.poll_url(&sid)).body(burst.clone()).send());
        tokio::task::yield_now().await;
        socket.close(CloseReason::TransportError);
        let _ = post.await.unwrap();
        let mut closed = false;
        while let Ok(ev) = f.events.try_recv() {
            match ev {
                Ev::Close(s, _) if s == sid => closed = true,
                Ev::Message(s, _) if s == sid => assert!(!closed, "a message after on_close"),
                _ => {}
            }
        }
        if !closed {
            f.close_of(&sid).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            while let Ok(ev) = f.events.try_recv() {
                assert!(
                    !matches!(&ev, Ev::Message(s, _) if *s == sid),
                    "a message after on_close"
                );
            }
        }
    }
}
