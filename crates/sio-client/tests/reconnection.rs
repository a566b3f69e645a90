//! Disconnections and reconnection against the official Node server and sio-server: reasons, backoff, buffers, failures.

mod common;

use common::*;
use serde_json::json;
use sio_client::{io, AckError, DisconnectReason, ManagerEvent, Options, TransportKind};
use std::time::Duration;

fn fast(mode: Mode) -> Options {
    options(mode)
        .reconnection_delay(Duration::from_millis(200))
        .reconnection_delay_max(Duration::from_millis(400))
}

async fn reconnects_after_the_server_restarts_and_flushes_the_send_buffer() {
    init_tracing();
    let mut server = NodeServer::start(json!({})).await;
    for mode in MODES {
        let socket = io(&server.url("/"), fast(mode)).unwrap();
        let mut disconnects = Events::new();
        let tx = disconnects.tx.clone();
        socket.on_disconnect(move |r| {
            let _ = tx.send(r);
        });
        let mut connects = Events::new();
        let tx = connects.tx.clone();
        socket.on_connect(move || {
            let _ = tx.send(());
        });
        let mut manager_events = Events::new();
        let tx = manager_events.tx.clone();
        for name in ["reconnect_attempt", "reconnect", "reconnect_error"] {
            let tx = tx.clone();
            socket.manager().on(name, move |e| {
                let _ = tx.send(e);
            });
        }
        let mut echoes = Events::new();
        let tx = echoes.tx.clone();
        socket.on("echo", move |e| {
            let _ = tx.send(e.data::<String>().unwrap());
        });
        socket.connect().await.unwrap();
        connects.next().await;
        let first_id = socket.id().unwrap();
        if mode == Mode::Upgrade {
            // let the upgrade finish so that the restart hits the websocket
            let _: serde_json::Value = socket.emit_with_ack("info", &()).await.unwrap();
        }

        server.kill().await;
        let reason = disconnects.next().await;
        assert!(
            matches!(
                reason,
                DisconnectReason::TransportClose | DisconnectReason::TransportError
            ),
            "{mode:?}: {reason:?}"
        );
        assert!(socket.active(), "still trying to reconnect");
        assert!(socket.disconnected());
        // emitted while disconnected: buffered, sent after the next CONNECT
        socket.emit("echo", "buffered").unwrap();
        // at least one failed attempt while the server is down
        let mut saw_attempt = false;
        while !saw_attempt {
            saw_attempt = matches!(
                manager_events.next().await,
                ManagerEvent::ReconnectAttempt(_)
            );
        }
        server.restart().await;
        connects.next().await;
        assert!(socket.connected());
        assert_ne!(socket.id().unwrap(), first_id);
        assert_eq!(echoes.next().await, "buffered");
        let mut reconnected = false;
        while !reconnected {
            reconnected =
                matches!(manager_events.next().await, ManagerEvent::Reconnect(n) if n >= 1);
        }
        socket.disconnect();
    }
}

async fn official_reasons_and_when_to_reconnect() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    for mode in MODES {
        let socket = io(&server.url("/"), fast(mode)).unwrap();
        let mut disconnects = Events::new();
        let tx = disconnects.tx.clone();
        socket.on_disconnect(move |r| {
            let _ = tx.send(r);
        });
        let mut connects = Events::new();
        let tx = connects.tx.clone();
        socket.on_connect(move || {
            let _ = tx.send(());
        });
        socket.connect().await.unwrap();
        connects.next().await;

        // the server closes the engine: transport close, then reconnects by itself
        socket.emit("close-engine", &()).unwrap();
        assert_eq!(
            disconnects.next().await,
            DisconnectReason::TransportClose,
            "{mode:?}"
        );
        connects.next().await;

        // an ack pending at disconnect fails with a typed error
        let pending = socket.emit_with_ack::<_, String>("nobody-answers", &());
        socket.emit("close-engine", &()).unwrap();
        assert_eq!(pending.await, Err(AckError::Disconnected));
        assert_eq!(disconnects.next().await, DisconnectReason::TransportClose);
        connects.next().await;

        // the server disconnects the socket: no reconnection
        socket.emit("disconnect-me", &()).unwrap();
        assert_eq!(
            disconnects.next().await,
            DisconnectReason::IoServerDisconnect
        );
        assert!(!socket.active());
        assert!(connects.none_within(Duration::from_millis(800)).await);

        // a manual connect() works again
        socket.connect().await.unwrap();
        connects.next().await;
        socket.disconnect();
        assert_eq!(
            disconnects.next().await,
            DisconnectReason::IoClientDisconnect
        );
        assert!(!socket.active());
        assert!(connects.none_within(Duration::from_millis(800)).await);
    }
}

async fn ping_timeout_when_the_server_goes_silent() {
    init_tracing();
    let server = NodeServer::start(json!({"pingInterval": 300, "pingTimeout": 300})).await;
    for mode in [Mode::Polling, Mode::WebSocket] {
        let socket = io(&server.url("/"), fast(mode)).unwrap();
        let mut disconnects = Events::new();
        let tx = disconnects.tx.clone();
        socket.on_disconnect(move |r| {
            let _ = tx.send(r);
        });
        let mut pings = Events::new();
        let tx = pings.tx.clone();
        socket.manager().on("ping", move |_| {
            let _ = tx.send(());
        });
        socket.connect().await.unwrap();
        pings.next().await;
        server.pause();
        let reason = disconnects.next().await;
        server.resume();
        assert_eq!(reason, DisconnectReason::PingTimeout, "{mode:?}");
        assert!(socket.active());
        socket.connect().await.unwrap();
        socket.disconnect();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_failures_are_retried_until_reconnection_attempts() {
    init_tracing();
    // a port nobody listens on
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let opts = Options::default()
        .reconnection_attempts(Some(2))
        .auto_connect(false)
        .reconnection_delay(Duration::from_millis(100))
        .reconnection_delay_max(Duration::from_millis(200))
        .force_new(true)
        .transports(vec![TransportKind::WebSocket]);
    let socket = io(&format!("http://127.0.0.1:{port}"), opts).unwrap();
    let mut errors = Events::new();
    let tx = errors.tx.clone();
    let s = socket.clone();
    socket.on_connect_error(move |e| {
        let _ = tx.send((e, s.active()));
    });
    let mut manager_events = Events::new();
    for name in [
        "reconnect_attempt",
        "reconnect_error",
        "reconnect_failed",
        "error",
    ] {
        let tx = manager_events.tx.clone();
        socket.manager().on(name, move |e| {
            let _ = tx.send(e.name());
        });
    }
    let result = socket.connect().await;
    assert!(
        matches!(result, Err(sio_client::Error::Transport(_))),
        "{result:?}"
    );
    let (first, active) = errors.next().await;
    assert!(active, "transport failures are retried");
    assert!(first.data.is_none());
    let mut names = Vec::new();
    while names.last() != Some(&"reconnect_failed") {
        names.push(manager_events.next().await);
    }
    assert_eq!(
        names,
        vec![
            "error",
            "reconnect_attempt",
            "error",
            "reconnect_error",
            "reconnect_attempt",
            "error",
            "reconnect_error",
            "reconnect_failed"
        ]
    );
}

async fn parse_error_then_reconnect() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    for mode in [Mode::Polling, Mode::WebSocket] {
        let socket = io(&server.url("/"), fast(mode)).unwrap();
        let mut disconnects = Events::new();
        let tx = disconnects.tx.clone();
        socket.on_disconnect(move |r| {
            let _ = tx.send(r);
        });
        let mut connects = Events::new();
        let tx = connects.tx.clone();
        socket.on_connect(move || {
            let _ = tx.send(());
        });
        let mut after_garbage = Events::new();
        let tx = after_garbage.tx.clone();
        socket.on("after-garbage", move |_| {
            let _ = tx.send(());
        });
        connects.next().await;
        socket.emit("send-garbage", &()).unwrap();
        assert_eq!(
            disconnects.next().await,
            DisconnectReason::ParseError,
            "{mode:?}"
        );
        connects.next().await;
        assert!(
            after_garbage.none_within(Duration::from_millis(200)).await,
            "an event sent after the bad packet was delivered ({mode:?})"
        );
        socket.disconnect();
    }
}

async fn manager_open_settings_and_drop() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    let manager = sio_client::Manager::new(
        &server.url("/"),
        options(Mode::WebSocket).auto_connect(false),
    )
    .unwrap();
    assert!(manager.reconnection());
    assert_eq!(manager.reconnection_attempts(), None);
    assert_eq!(manager.reconnection_delay(), Duration::from_millis(1000));
    assert_eq!(
        manager.reconnection_delay_max(),
        Duration::from_millis(5000)
    );
    assert_eq!(manager.randomization_factor(), 0.5);
    assert_eq!(manager.timeout(), Duration::from_secs(20));
    manager
        .set_reconnection(false)
        .set_reconnection_attempts(Some(3))
        .set_reconnection_delay(Duration::from_millis(10))
        .set_reconnection_delay_max(Duration::from_millis(20))
        .set_randomization_factor(0.0)
        .set_timeout(Duration::from_secs(5));
    assert!(!manager.reconnection());
    assert_eq!(manager.reconnection_attempts(), Some(3));
    assert_eq!(manager.timeout(), Duration::from_secs(5));
    let mut opens = Events::new();
    let tx = opens.tx.clone();
    manager.on("open", move |e| {
        let _ = tx.send(e.name());
    });
    assert!(manager.engine().is_none(), "auto_connect off");
    manager.connect().await.unwrap();
    assert_eq!(opens.next().await, "open");
    let socket = manager.socket("/", None);
    assert!(!socket.active());
    socket.connect().await.unwrap();
    // send() is the "message" event
    let mut back = Events::new();
    let tx = back.tx.clone();
    socket.on("message-back", move |e| {
        let _ = tx.send(e.args);
    });
    socket.send(&("a", 1)).unwrap();
    assert_eq!(
        back.next().await,
        vec![sio_client::Value::from("a"), sio_client::Value::from(1)]
    );
    // without reconnection a transport close is final
    let engine = manager.engine().unwrap();
    socket.emit("close-engine", &()).unwrap();
    let mut n = 0;
    while engine.is_open() && n < 100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        n += 1;
    }
    assert!(!engine.is_open());
    assert!(opens.none_within(Duration::from_millis(500)).await);
    // dropping every handle closes the connection
    manager.connect().await.unwrap();
    socket.connect().await.unwrap();
    let engine = manager.engine().unwrap();
    drop(socket);
    drop(manager);
    let mut n = 0;
    while engine.is_open() && n < 100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        n += 1;
    }
    assert!(!engine.is_open(), "closed once the handles are gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_attempts_time_out() {
    init_tracing();
    // accepts connections and never answers
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut conns = Vec::new();
        while let Ok((c, _)) = listener.accept().await {
            conns.push(c);
        }
    });
    for mode in [Mode::Polling, Mode::WebSocket] {
        let socket = io(
            &format!("http://127.0.0.1:{port}"),
            options(mode)
                .timeout(Duration::from_millis(500))
                .reconnection(false)
                .auto_connect(false),
        )
        .unwrap();
        let mut errors = Events::new();
        let tx = errors.tx.clone();
        socket.on_connect_error(move |e| {
            let _ = tx.send(e.message);
        });
        let r = socket.connect().await;
        assert_eq!(r, Err(sio_client::Error::Timeout), "{mode:?}");
        assert_eq!(errors.next().await, "timeout");
    }
    held.abort();
}

async fn engine_observers_see_packets_drain_and_close() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    for mode in MODES {
        let socket = io(
            &server.url("/"),
            options(mode).auto_connect(false).reconnection(false),
        )
        .unwrap();
        let mut seen = Events::new();
        for name in ["packet", "packetCreate", "drain", "close"] {
            let tx = seen.tx.clone();
            socket.manager().on_engine(name, move |e| {
                let _ = tx.send(e.name());
            });
        }
        socket.connect().await.unwrap();
        let _: String = socket.emit_with_ack("echo", "x").await.unwrap();
        socket.emit("close-engine", &()).unwrap();
        let mut names = std::collections::HashSet::new();
        while !names.contains("close") {
            names.insert(seen.next().await);
        }
        for n in ["packet", "packetCreate", "drain"] {
            assert!(names.contains(n), "{mode:?}: {n} in {names:?}");
        }
    }
}

interop_tests!(
    reconnects_after_the_server_restarts_and_flushes_the_send_buffer,
    official_reasons_and_when_to_reconnect,
    ping_timeout_when_the_server_goes_silent,
    parse_error_then_reconnect,
    manager_open_settings_and_drop,
    engine_observers_see_packets_drain_and_close,
);
