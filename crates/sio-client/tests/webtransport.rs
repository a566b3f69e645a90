//! sio-client over WebTransport against sio-server: a session opened on WebTransport, and one upgraded
//! to it from polling (preferred to websocket); events, acks and binary both ways, a second
//! namespace, and a close from either side.
#![cfg(feature = "webtransport")]

use bytes::Bytes;
use sio_client::{io, EngineEvent, Options, TlsOptions, TransportKind, Value};
use sio_server::engine::{Identity, Transport};
use sio_server::{AckSender, Server, ServerConfig, Socket};
use std::time::Duration;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

/// A sio-server on HTTP and WebTransport (the same port number, TCP and UDP), and the DER of the
/// WebTransport listener's self-signed certificate.
struct Fixture {
    io: Server,
    url: String,
    cert: Vec<u8>,
    _http: sio_server::engine::EngineServer,
    _wt: sio_server::engine::WebTransportServer,
}

async fn start() -> Fixture {
    let mut config = ServerConfig::default();
    config.engine.transports.push(Transport::WebTransport);
    let io = Server::new(config);
    for nsp in ["/", "/admin"] {
        io.of(nsp).on_connection(|socket: Socket| async move {
            let transport = socket.conn().transport().as_str();
            let _ = socket.emit("welcome", &(socket.nsp().name(), transport));
            socket.on(
                "echo",
                |_: Socket, args: Vec<Value>, ack: AckSender| async move {
                    let _ = ack.send_args(args);
                },
            );
            socket.on("push", |socket: Socket, args: Vec<Value>| async move {
                let _ = socket.emit_args("pushed", args);
            });
            socket.on("transport", |socket: Socket, ack: AckSender| async move {
                let _ = ack.send(&socket.conn().transport().as_str());
            });
            socket.on("kick", |socket: Socket| async move {
                socket.disconnect(true);
            });
        });
    }
    // Both listeners on one port number, as the official client expects (same host and port).
    let identity = Identity::self_signed(["localhost", "127.0.0.1"]).unwrap();
    let cert = identity.certificate_chain().as_slice()[0].der().to_vec();
    let (http, wt) = loop {
        let http = io.listen("127.0.0.1:0").await.unwrap();
        let wt = io.listen_webtransport(http.local_addr(), identity.clone_identity());
        if let Ok(wt) = wt.await {
            break (http, wt);
        }
    };
    Fixture {
        cert,
        // Plain HTTP for polling and websocket; WebTransport is always on TLS (`https://`, same port).
        url: format!("http://localhost:{}/", http.local_addr().port()),
        io,
        _http: http,
        _wt: wt,
    }
}

fn options(f: &Fixture, transports: Vec<TransportKind>) -> Options {
    Options::default()
        .transports(transports)
        .tls(TlsOptions::CustomRoots(vec![f.cert.clone()]))
}

async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("in time")
        .expect("open channel")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_opened_on_webtransport_carries_events_acks_and_binary() {
    let f = start().await;
    let socket = io(&f.url, options(&f, vec![TransportKind::WebTransport])).unwrap();
    let (tx, mut welcome) = mpsc::unbounded_channel();
    socket.on("welcome", move |e| {
        let _ = tx.send(e.data::<(String, String)>().unwrap());
    });
    socket.connect().await.unwrap();
    assert_eq!(
        next(&mut welcome).await,
        ("/".into(), "webtransport".into())
    );
    let engine = socket.manager().engine().unwrap();
    assert_eq!(engine.transport(), TransportKind::WebTransport);
    assert!(engine.handshake().upgrades.is_empty());

    let big = "x".repeat(200_000);
    let binary = Bytes::from(vec![7u8; 70_000]);
    let back: (String, Bytes, u32) = socket
        .emit_with_ack("echo", &(big.as_str(), binary.clone(), 3u32))
        .await
        .unwrap();
    assert_eq!(back, (big, binary.clone(), 3));

    let (tx, mut pushed) = mpsc::unbounded_channel();
    socket.on("pushed", move |e| {
        let _ = tx.send(e.args);
    });
    socket
        .emit("push", &("é", Bytes::from_static(&[0, 255])))
        .unwrap();
    assert_eq!(
        next(&mut pushed).await,
        vec![
            Value::from("é"),
            Value::Binary(Bytes::from_static(&[0, 255]))
        ]
    );

    // A second namespace on the same WebTransport session.
    let admin = socket.manager().socket("/admin", None);
    let (tx, mut admin_welcome) = mpsc::unbounded_channel();
    admin.on("welcome", move |e| {
        let _ = tx.send(e.data::<(String, String)>().unwrap());
    });
    admin.connect().await.unwrap();
    assert_eq!(
        next(&mut admin_welcome).await,
        ("/admin".into(), "webtransport".into())
    );
    assert_eq!(f.io.clients_count(), 1);

    // The server closes: the client sees `io server disconnect`.
    let (tx, mut reasons) = mpsc::unbounded_channel();
    socket.on_disconnect(move |r| {
        let _ = tx.send(r.to_string());
    });
    socket.emit("kick", &()).unwrap();
    assert_eq!(next(&mut reasons).await, "io server disconnect");
    admin.disconnect();
    let deadline = tokio::time::Instant::now() + WAIT;
    while f.io.clients_count() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "session still open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_upgrades_to_webtransport_before_websocket() {
    let f = start().await;
    let all = vec![
        TransportKind::Polling,
        TransportKind::WebSocket,
        TransportKind::WebTransport,
    ];
    let socket = io(&f.url, options(&f, all)).unwrap();
    let (tx, mut upgraded) = mpsc::unbounded_channel();
    socket.manager().on_engine("upgrade", move |e| {
        if let EngineEvent::Upgrade(t) = e {
            let _ = tx.send(t);
        }
    });
    socket.connect().await.unwrap();
    let engine = socket.manager().engine().unwrap();
    assert_eq!(
        engine.handshake().upgrades,
        vec!["websocket", "webtransport"]
    );
    assert_eq!(next(&mut upgraded).await, TransportKind::WebTransport);
    let seen: String = socket.emit_with_ack("transport", &()).await.unwrap();
    assert_eq!(seen, "webtransport");
    let back: (Bytes,) = socket
        .emit_with_ack("echo", &(Bytes::from_static(b"after upgrade"),))
        .await
        .unwrap();
    assert_eq!(back.0, Bytes::from_static(b"after upgrade"));

    // The client closes: the server's session ends.
    socket.disconnect();
    let deadline = tokio::time::Instant::now() + WAIT;
    while f.io.clients_count() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "session still open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_webtransport_upgrades_to_websocket() {
    let f = start().await;
    let socket = io(
        &f.url,
        options(&f, vec![TransportKind::Polling, TransportKind::WebSocket]),
    )
    .unwrap();
    socket.connect().await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let seen: String = socket.emit_with_ack("transport", &()).await.unwrap();
        if seen == "websocket" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never upgraded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    socket.disconnect();
}
