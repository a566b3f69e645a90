//! Delivery semantics against the official Node server and sio-server: retries, timeouts, volatile, recovery, server acks.

mod common;

use bytes::Bytes;
use common::*;
use serde_json::json;
use sio_client::{io, AckError, Auth, ParserKind, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn retries_give_at_least_once_delivery_in_order() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    for mode in MODES {
        let opts = options(mode)
            .retries(3)
            .ack_timeout(Some(Duration::from_millis(1000)));
        let socket = io(&server.url("/"), opts).unwrap();
        let mut seen = Events::new();
        let tx = seen.tx.clone();
        socket.on("flaky-seen", move |e| {
            let _ = tx.send(e.data::<(String, u32)>().unwrap());
        });
        socket.connect().await.unwrap();
        let key = |k: &str| format!("{mode:?}-{k}");
        // the server drops the first two tries of "a": it needs three, "b" waits behind it
        let a = socket.emit_with_ack::<_, String>("flaky", &(key("a"), 2));
        let b = socket.emit_with_ack::<_, String>("flaky", &(key("b"), 0));
        assert_eq!(a.await.unwrap(), format!("ok:{}:3", key("a")));
        assert_eq!(b.await.unwrap(), format!("ok:{}:1", key("b")));
        let order: Vec<(String, u32)> = vec![
            seen.next().await,
            seen.next().await,
            seen.next().await,
            seen.next().await,
        ];
        assert_eq!(
            order,
            vec![(key("a"), 1), (key("a"), 2), (key("a"), 3), (key("b"), 1)],
            "one packet in flight, in order"
        );
        // more drops than retries: fails with a timeout after 1 + 3 tries
        let c = socket
            .emit_with_ack::<_, String>("flaky", &(key("c"), 10))
            .await;
        assert_eq!(
            c,
            Err(AckError::Timeout {
                timeout: Duration::from_millis(1000)
            })
        );
        socket.disconnect();
    }
}

async fn ack_timeouts_volatile_and_sequential_ids() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    for mode in MODES {
        let socket = io(&server.url("/"), options(mode).auto_connect(false)).unwrap();
        let mut ids = Events::new();
        let tx = ids.tx.clone();
        socket.manager().on_engine("packetCreate", move |e| {
            if let sio_client::EngineEvent::PacketCreate(sio_protocol::engine::Packet::Message(m)) =
                e
            {
                let _ = tx.send(m.to_string());
            }
        });
        // volatile while disconnected: dropped
        socket.volatile().emit("echo", "lost").unwrap();
        socket.connect().await.unwrap();
        let t = socket
            .timeout(Duration::from_millis(300))
            .emit_with_ack::<_, Value>("nobody-answers", &())
            .await;
        assert_eq!(
            t,
            Err(AckError::Timeout {
                timeout: Duration::from_millis(300)
            })
        );
        let r: String = socket.emit_with_ack("echo", "x").await.unwrap();
        assert_eq!(r, "x");
        let mut sent = Vec::new();
        while sent.len() < 2 {
            let m = ids.next().await;
            if m.starts_with('2') {
                sent.push(m);
            }
        }
        // ack ids 0 then 1; the volatile emit made while disconnected never left
        assert_eq!(sent, vec!["20[\"nobody-answers\"]", "21[\"echo\",\"x\"]"]);
        socket.disconnect();
    }
}

async fn answers_server_acks_with_binary() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    for mode in MODES {
        let socket = io(&server.url("/"), options(mode)).unwrap();
        socket.on("question", |e| {
            let q: String = e.data().unwrap();
            e.ack(&(format!("answer to {q}"), Bytes::from_static(&[1, 2, 3])))
                .unwrap();
        });
        let mut answers = Events::new();
        let tx = answers.tx.clone();
        socket.on("answer", move |e| {
            let _ = tx.send(e.args);
        });
        socket.connect().await.unwrap();
        socket.emit("ask-me", "life").unwrap();
        // emitWithAck on the server resolves with the first argument
        assert_eq!(
            answers.next().await,
            vec![Value::from("answer to life")],
            "{mode:?}"
        );
        socket.disconnect();
    }
}

async fn middleware_refusal_is_not_retried_and_auth_is_sent() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    let socket = io(&server.url("/private"), options(Mode::WebSocket)).unwrap();
    let mut errors = Events::new();
    let tx = errors.tx.clone();
    let s = socket.clone();
    socket.on_connect_error(move |e| {
        let _ = tx.send((e, s.active()));
    });
    let err = socket.connect().await.unwrap_err();
    let (e, active) = errors.next().await;
    assert_eq!(e.message, "not authorized");
    assert_eq!(
        e.data
            .as_ref()
            .and_then(|d| d.get("reason"))
            .and_then(Value::as_str),
        Some("no token")
    );
    assert!(!active, "refusals are not retried");
    assert!(matches!(err, sio_client::Error::Connect(c) if c.message == "not authorized"));
    assert!(errors.none_within(Duration::from_millis(1500)).await);

    // auth as a function, called on every (re)connection; query and headers from the options
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let opts = options(Mode::Polling)
        .auth(Auth::from_fn(move || {
            c.fetch_add(1, Ordering::SeqCst);
            Some(sio_client::to_value(&json!({"token": "secret"})).unwrap())
        }))
        .query(vec![("from".into(), "options".into())])
        .extra_headers(vec![("x-test".into(), "header-value".into())])
        .reconnection_delay(Duration::from_millis(100));
    let socket = io(&server.url("/private?in=url"), opts).unwrap();
    socket.connect().await.unwrap();
    let info: Value = socket.emit_with_ack("info", &()).await.unwrap();
    let q = info.get("query").unwrap();
    assert_eq!(q.get("in").and_then(Value::as_str), Some("url"));
    assert_eq!(q.get("from").and_then(Value::as_str), Some("options"));
    assert_eq!(q.get("EIO").and_then(Value::as_str), Some("4"));
    assert_eq!(
        info.get("header").and_then(Value::as_str),
        Some("header-value")
    );
    assert_eq!(
        info.get("auth")
            .and_then(|a| a.get("token"))
            .and_then(Value::as_str),
        Some("secret")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let mut connects = Events::new();
    let tx = connects.tx.clone();
    socket.on_connect(move || {
        let _ = tx.send(());
    });
    socket.emit("close-engine", &()).unwrap();
    connects.next().await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "auth function called again"
    );
    socket.disconnect();
}

async fn connection_state_recovery() {
    init_tracing();
    let server = NodeServer::start(json!({"recovery": true})).await;
    for mode in MODES {
        let opts = options(mode)
            .reconnection_delay(Duration::from_millis(1000))
            .randomization_factor(0.0);
        let socket = io(&server.url("/"), opts).unwrap();
        let mut missed = Events::new();
        let tx = missed.tx.clone();
        socket.on("missed", move |e| {
            let _ = tx.send(e.args);
        });
        let mut connects = Events::new();
        let tx = connects.tx.clone();
        let s = socket.clone();
        socket.on_connect(move || {
            let _ = tx.send(s.recovered());
        });
        assert!(!connects.next().await, "first connection is not a recovery");
        let id = socket.id().unwrap();
        // an event so that the client has an offset
        let _: Value = socket.emit_with_ack("info", &()).await.unwrap();
        socket.emit("drop-and-miss", &()).unwrap();
        assert!(connects.next().await, "{mode:?}: recovered");
        assert!(socket.recovered());
        assert_eq!(socket.id().unwrap(), id, "same id after recovery");
        let args = missed.next().await;
        assert_eq!(args.first().and_then(Value::as_str), Some("while away"));
        socket.disconnect();
    }
}

async fn msgpack_parser() {
    init_tracing();
    let server = NodeServer::start(json!({"msgpack": true})).await;
    for mode in MODES {
        let opts = options(mode).parser(ParserKind::MsgPack);
        let socket = io(&server.url("/admin"), opts).unwrap();
        socket.connect().await.unwrap();
        let back: (String, Bytes, Value) = socket
            .emit_with_ack(
                "echo",
                &(
                    "hi",
                    Bytes::from_static(&[7, 8]),
                    json!({"n": [1, 2.5, null]}),
                ),
            )
            .await
            .unwrap();
        assert_eq!(back.0, "hi");
        assert_eq!(back.1, Bytes::from_static(&[7, 8]));
        assert_eq!(
            back.2,
            sio_client::to_value(&json!({"n": [1, 2.5, null]})).unwrap()
        );
        socket.disconnect();
    }
}

async fn events_before_connect_wait_in_the_receive_buffer() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    for mode in MODES {
        let socket = io(&server.url("/early"), options(mode)).unwrap();
        let mut order = Events::new();
        let tx = order.tx.clone();
        let s = socket.clone();
        socket.on("early", move |e| {
            let _ = tx.send(format!("early {:?} connected={}", e.args, s.connected()));
        });
        let tx = order.tx.clone();
        socket.on_connect(move || {
            let _ = tx.send("connect".to_string());
        });
        socket.connect().await.unwrap();
        assert_eq!(
            order.next().await,
            "early [1] connected=true",
            "{mode:?}: delivered after CONNECT"
        );
        assert_eq!(order.next().await, "connect");
        socket.disconnect();
    }
}

interop_tests!(
    retries_give_at_least_once_delivery_in_order,
    ack_timeouts_volatile_and_sequential_ids,
    answers_server_acks_with_binary,
    middleware_refusal_is_not_retried_and_auth_is_sent,
    connection_state_recovery,
    msgpack_parser,
    events_before_connect_wait_in_the_receive_buffer,
);
