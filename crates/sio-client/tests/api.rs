//! Listener API, typed handlers, slow handlers, polling batches, TLS and the blocking facade, against the Node server and sio-server.

mod common;

use common::*;
use serde_json::json;
use sio_client::options::PerMessageDeflate;
use sio_client::{io, ManagerEvent, Options, TlsOptions, TransportKind, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn listeners_catch_all_and_outgoing() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    let socket = io(&server.url("/"), options(Mode::WebSocket)).unwrap();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let l = log.clone();
    let a = socket.on_any(move |e| l.lock().unwrap().push(format!("any:{}", e.name)));
    let l = log.clone();
    socket.prepend_any(move |e| l.lock().unwrap().push(format!("first:{}", e.name)));
    let l = log.clone();
    socket.on_any_outgoing(move |e| l.lock().unwrap().push(format!("out:{}", e.name)));
    let l = log.clone();
    let once = socket.once("many", move |e| {
        l.lock().unwrap().push(format!("once:{:?}", e.args))
    });
    let l = log.clone();
    let on = socket.on("many", move |e| {
        l.lock().unwrap().push(format!("on:{:?}", e.args))
    });
    assert_eq!(socket.listeners("many"), vec![once, on]);
    assert_eq!(socket.listeners_any().len(), 2);
    assert_eq!(socket.listeners_any_outgoing().len(), 1);
    let mut done = Events::new();
    let tx = done.tx.clone();
    socket.on("many", move |e| {
        if e.data::<u32>().unwrap() == 1 {
            let _ = tx.send(());
        }
    });
    socket.connect().await.unwrap();
    socket.emit("emit-many", &2).unwrap();
    done.next().await;
    let got = log.lock().unwrap().clone();
    let events: Vec<&str> = got
        .iter()
        .map(String::as_str)
        .filter(|s| !s.contains("welcome"))
        .collect();
    assert_eq!(
        events,
        vec![
            "out:emit-many",
            "first:many",
            "any:many",
            "once:[0]",
            "on:[0]",
            "first:many",
            "any:many",
            "on:[1]"
        ]
    );
    assert_eq!(socket.listeners("many").len(), 2, "once removed");
    socket.off_any(Some(a));
    assert_eq!(socket.listeners_any().len(), 1);
    socket.off_any(None);
    socket.off_any_outgoing(None);
    socket.off(Some("many"), Some(on));
    assert_eq!(socket.listeners("many").len(), 1);
    socket.off(Some("many"), None);
    assert!(socket.listeners("many").is_empty());
    socket.off(None, None);
    assert!(socket.listeners("welcome").is_empty());
    // reserved names cannot be emitted
    assert!(socket.emit("connect", &()).is_err());
    socket.disconnect();
}

async fn typed_handlers_report_mismatches() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    let socket = io(&server.url("/"), options(Mode::Polling)).unwrap();
    let mut good = Events::new();
    let tx = good.tx.clone();
    socket.on_typed::<(String, u32)>("echo", move |(s, n), ack| {
        assert!(ack.is_none());
        let _ = tx.send((s, n));
    });
    let mut errors = Events::new();
    let tx = errors.tx.clone();
    socket.on_handler_error(move |event, err| {
        let _ = tx.send((event.to_owned(), err.clone()));
    });
    socket.connect().await.unwrap();
    socket.emit("echo", &("a", 1)).unwrap();
    assert_eq!(good.next().await, ("a".to_string(), 1));
    socket.emit("echo", &(true, "not a number")).unwrap();
    let (event, err) = errors.next().await;
    assert_eq!(event, "echo");
    assert!(
        matches!(err, sio_client::value::Error::InvalidType { .. }),
        "{err:?}"
    );
    // an ack of the wrong type is an error of the future
    let r = socket.emit_with_ack::<_, u32>("echo", "text").await;
    assert!(
        matches!(r, Err(sio_client::AckError::Deserialize(_))),
        "{r:?}"
    );
    socket.disconnect();
}

async fn a_slow_handler_never_blocks_reading_or_the_heartbeat() {
    init_tracing();
    let server = NodeServer::start(json!({"pingInterval": 400, "pingTimeout": 400})).await;
    let socket = io(&server.url("/"), options(Mode::WebSocket)).unwrap();
    let mut closes = Events::new();
    let tx = closes.tx.clone();
    socket.manager().on("close", move |e| {
        let _ = tx.send(e);
    });
    let mut pings = Events::new();
    let tx = pings.tx.clone();
    socket.manager().on("ping", move |_| {
        let _ = tx.send(());
    });
    socket.on("welcome", |_| {
        std::thread::sleep(Duration::from_millis(2500))
    });
    socket.connect().await.unwrap();
    // pings keep being answered while the handler sleeps (window 800 ms)
    for _ in 0..4 {
        pings.next().await;
    }
    assert!(closes.none_within(Duration::from_millis(1000)).await);
    assert!(socket.connected());
    let r: String = socket.emit_with_ack("echo", "still here").await.unwrap();
    assert_eq!(r, "still here");
    socket.disconnect();
}

async fn polling_batches_stay_under_max_payload() {
    init_tracing();
    let server = NodeServer::start(json!({"maxHttpBufferSize": 1000})).await;
    let socket = io(&server.url("/"), options(Mode::Polling)).unwrap();
    let mut closes = Events::new();
    let tx = closes.tx.clone();
    socket.manager().on("close", move |e| {
        let _ = tx.send(e);
    });
    let mut echoes = Events::new();
    let tx = echoes.tx.clone();
    socket.on("echo", move |e| {
        let _ = tx.send(e.data::<u32>().unwrap());
    });
    socket.connect().await.unwrap();
    let handshake = socket.manager().engine().unwrap().handshake().clone();
    assert_eq!(handshake.max_payload, 1000);
    let filler = "x".repeat(300);
    for i in 0..30u32 {
        socket.emit("echo", &(i, &filler)).unwrap();
    }
    for i in 0..30u32 {
        assert_eq!(echoes.next().await, i);
    }
    assert!(closes.none_within(Duration::from_millis(200)).await);
    socket.disconnect();
}

async fn remember_upgrade_starts_with_websocket() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    let opts = options(Mode::Upgrade)
        .remember_upgrade(true)
        .reconnection_delay(Duration::from_millis(100));
    let socket = io(&server.url("/"), opts).unwrap();
    let mut upgraded = Events::new();
    let tx = upgraded.tx.clone();
    socket.manager().on_engine("upgrade", move |_| {
        let _ = tx.send(());
    });
    let mut connects = Events::new();
    let tx = connects.tx.clone();
    socket.on_connect(move || {
        let _ = tx.send(());
    });
    connects.next().await;
    upgraded.next().await;
    socket.emit("close-engine", &()).unwrap();
    connects.next().await;
    let engine = socket.manager().engine().unwrap();
    assert_eq!(engine.transport(), TransportKind::WebSocket);
    let info: Value = socket.emit_with_ack("info", &()).await.unwrap();
    assert_eq!(
        info.get("transport").and_then(Value::as_str),
        Some("websocket")
    );
    assert!(
        upgraded.none_within(Duration::from_millis(300)).await,
        "no second upgrade"
    );
    socket.disconnect();
}

mod blocking_facade_works_with_and_without_a_runtime {
    #[test]
    fn node() {
        super::blocking_facade(super::ServerKind::Node);
    }

    #[test]
    fn sio() {
        super::blocking_facade(super::ServerKind::Sio);
    }
}

fn blocking_facade(kind: ServerKind) {
    init_tracing();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(NodeServer::start_kind(kind, json!({})));
    let url = server.url("/admin");
    let opts = || Options::default().force_new(true);
    // plain thread
    let socket = sio_client::blocking::Socket::connect(&url, opts()).unwrap();
    assert!(socket.connected());
    let r: String = socket
        .emit_with_ack("echo", "sync", Duration::from_secs(10))
        .unwrap();
    assert_eq!(r, "sync");
    socket.disconnect();
    // inside a runtime: must not panic
    rt.block_on(async {
        let socket = sio_client::blocking::Socket::connect(&url, opts()).unwrap();
        let r: String = socket
            .emit_with_ack("echo", "in runtime", Duration::from_secs(10))
            .unwrap();
        assert_eq!(r, "in runtime");
        socket.disconnect();
    });
    drop(server);
}

fn make_certs(dir: &std::path::Path) {
    let run = |args: &[&str]| {
        let ok = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "openssl {args:?}");
    };
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=sio test ca",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=localhost",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
    run(&["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"]);
}

async fn tls_with_custom_roots_or_without_verification() {
    init_tracing();
    let kind = if on_sio() { "sio" } else { "node" };
    let dir = std::env::temp_dir().join(format!("sio-client-tls-{}-{kind}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    make_certs(&dir);
    let server = NodeServer::start(json!({"tls": {
        "key": dir.join("leaf.key"), "cert": dir.join("leaf.pem")
    }}))
    .await;
    let url = format!("https://localhost:{}/", server.port);
    let ca = std::fs::read(dir.join("ca.der")).unwrap();
    // With permessage-deflate offered, the websocket runs on sio's own codec (otherwise on tungstenite's).
    for (mode, deflate) in MODES.into_iter().flat_map(|m| [(m, false), (m, true)]) {
        for tls in [
            TlsOptions::CustomRoots(vec![ca.clone()]),
            TlsOptions::DangerAcceptInvalidCerts,
        ] {
            let socket = io(
                &url,
                options(mode)
                    .tls(tls)
                    .per_message_deflate(deflate.then(PerMessageDeflate::default)),
            )
            .unwrap();
            socket.connect().await.unwrap();
            let r: String = socket.emit_with_ack("echo", "secure").await.unwrap();
            assert_eq!(r, "secure");
            socket.disconnect();
        }
    }
    // the default roots do not know this CA: the error says so, on either transport
    for mode in [Mode::Polling, Mode::WebSocket] {
        let socket = io(&url, options(mode).reconnection(false)).unwrap();
        let mut errors = Events::new();
        let tx = errors.tx.clone();
        socket.manager().on("error", move |e| {
            let _ = tx.send(e);
        });
        let error = socket.connect().await.unwrap_err().to_string();
        assert!(error.contains("UnknownIssuer"), "{mode:?}: {error}");
        assert!(matches!(errors.next().await, ManagerEvent::Error(_)));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn custom_path_query_and_headers_on_every_transport() {
    init_tracing();
    let server = NodeServer::start(json!({"path": "/custom/"})).await;
    // With permessage-deflate offered, the websocket runs on sio's own codec.
    for (mode, deflate) in MODES.into_iter().flat_map(|m| [(m, false), (m, true)]) {
        let socket = io(
            &server.url("/admin?a=1"),
            options(mode)
                .path("/custom".into())
                .extra_headers(vec![("x-test".into(), format!("{mode:?}"))])
                .query(vec![("b".into(), "2".into())])
                .per_message_deflate(deflate.then(PerMessageDeflate::default)),
        )
        .unwrap();
        socket.connect().await.unwrap();
        let info: Value = socket.emit_with_ack("info", &()).await.unwrap();
        assert_eq!(info.get("nsp").and_then(Value::as_str), Some("/admin"));
        let q = info.get("query").unwrap();
        assert_eq!(q.get("a").and_then(Value::as_str), Some("1"));
        assert_eq!(q.get("b").and_then(Value::as_str), Some("2"));
        assert_eq!(
            info.get("header").and_then(Value::as_str),
            Some(format!("{mode:?}").as_str())
        );
        socket.disconnect();
    }
    // the default path does not reach this server (Node never answers it: the connect timeout ends it)
    let socket = io(
        &server.url("/"),
        options(Mode::Polling)
            .reconnection(false)
            .timeout(Duration::from_secs(2)),
    )
    .unwrap();
    assert!(socket.connect().await.is_err());
    // a header HTTP cannot carry fails the websocket's connection, and the error names it
    for deflate in [false, true] {
        let socket = io(
            &server.url("/"),
            options(Mode::WebSocket)
                .path("/custom".into())
                .reconnection(false)
                .extra_headers(vec![("bad name".into(), "x".into())])
                .per_message_deflate(deflate.then(PerMessageDeflate::default)),
        )
        .unwrap();
        let error = socket.connect().await.unwrap_err().to_string();
        assert!(error.contains("bad header name bad name"), "{error}");
    }
}

async fn upgrade_false_stays_on_polling() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    let socket = io(&server.url("/"), options(Mode::Upgrade).upgrade(false)).unwrap();
    let mut upgraded = Events::new();
    let tx = upgraded.tx.clone();
    socket.manager().on_engine("upgrade", move |_| {
        let _ = tx.send(());
    });
    socket.connect().await.unwrap();
    assert!(upgraded.none_within(Duration::from_millis(1000)).await);
    let info: Value = socket.emit_with_ack("info", &()).await.unwrap();
    assert_eq!(
        info.get("transport").and_then(Value::as_str),
        Some("polling")
    );
    assert_eq!(
        socket.manager().engine().unwrap().transport(),
        TransportKind::Polling
    );
    socket.disconnect();
}

interop_tests!(
    listeners_catch_all_and_outgoing,
    typed_handlers_report_mismatches,
    a_slow_handler_never_blocks_reading_or_the_heartbeat,
    polling_batches_stay_under_max_payload,
    remember_upgrade_starts_with_websocket,
    tls_with_custom_roots_or_without_verification,
    custom_path_query_and_headers_on_every_transport,
    upgrade_false_stays_on_polling,
);
