//! Lifecycle and API rules the Node suite cannot observe: close reasons, listener bookkeeping, reserved names,
//! per-socket data, child namespace cleanup.

mod common;

use common::raw::Raw;
use serde::{Deserialize, Serialize};
use sio_server::{DisconnectReason, EmitError, Server, ServerConfig, Socket, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

async fn recv<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("in time")
        .expect("open")
}

/// Disconnections seen in `disconnecting`: (socket id, reason, rooms then).
type Departures = mpsc::UnboundedReceiver<(String, DisconnectReason, Vec<String>)>;

fn reporting(io: &Server) -> (mpsc::UnboundedReceiver<Socket>, Departures) {
    let (conn_tx, conn_rx) = mpsc::unbounded_channel();
    let (tx, rx) = mpsc::unbounded_channel();
    io.on_connection(move |socket: Socket| {
        let tx = tx.clone();
        let conn_tx = conn_tx.clone();
        async move {
            socket.on_disconnecting(move |s: Socket, reason| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send((s.id().to_owned(), reason, s.rooms()));
                }
            });
            let _ = conn_tx.send(socket);
        }
    });
    (conn_rx, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_disconnects_everyone_with_server_shutting_down() {
    let io = Server::new(ServerConfig::default());
    let (mut conns, mut reasons) = reporting(&io);
    let (server, addr) = common::start(&io).await;
    let (mut raw, id) = Raw::connected(addr).await;
    let socket = recv(&mut conns).await;
    socket.join("room");
    let (done_tx, mut done) = mpsc::unbounded_channel();
    socket.on_disconnect(move |_s: Socket, reason| {
        let done_tx = done_tx.clone();
        async move {
            let _ = done_tx.send(reason);
        }
    });
    io.close().await;
    let (sid, reason, rooms) = recv(&mut reasons).await;
    assert_eq!(sid, id);
    assert_eq!(reason, DisconnectReason::ServerShuttingDown);
    assert!(
        rooms.contains(&"room".to_string()),
        "rooms readable in disconnecting: {rooms:?}"
    );
    assert!(!socket.connected());
    assert_eq!(recv(&mut done).await, DisconnectReason::ServerShuttingDown);
    assert!(socket.rooms().is_empty(), "rooms left after disconnect");
    raw.expect_closed().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_with_close_closes_every_namespace_of_the_client() {
    let io = Server::new(ServerConfig::default());
    let (mut conns, mut reasons) = reporting(&io);
    let (tx, mut admin_reasons) = mpsc::unbounded_channel();
    io.of("/admin").on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            socket.on_disconnect(move |_s: Socket, reason| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(reason);
                }
            });
        }
    });
    let (_server, addr) = common::start(&io).await;
    let (mut raw, _) = Raw::connected(addr).await;
    raw.send("40/admin,").await;
    assert!(raw.next_text().await.starts_with("40/admin,{\"sid\":"));
    let socket = recv(&mut conns).await;
    socket.disconnect(true);
    assert_eq!(
        recv(&mut reasons).await.1,
        DisconnectReason::ServerNamespaceDisconnect
    );
    assert_eq!(
        recv(&mut admin_reasons).await,
        DisconnectReason::ServerNamespaceDisconnect
    );
    raw.expect_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_close_and_client_namespace_disconnect_reasons() {
    let io = Server::new(ServerConfig::default());
    let (_conns, mut reasons) = reporting(&io);
    let (_server, addr) = common::start(&io).await;
    let (mut raw, _) = Raw::connected(addr).await;
    raw.send("41").await;
    assert_eq!(
        recv(&mut reasons).await.1,
        DisconnectReason::ClientNamespaceDisconnect
    );
    let (raw2, _) = Raw::connected(addr).await;
    drop(raw2);
    assert_eq!(recv(&mut reasons).await.1, DisconnectReason::TransportClose);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_once_off_and_reserved_names() {
    let io = Server::new(ServerConfig::default());
    let (mut conns, _reasons) = reporting(&io);
    let (_server, addr) = common::start(&io).await;
    let (mut raw, _) = Raw::connected(addr).await;
    let socket = recv(&mut conns).await;

    let once_calls = Arc::new(AtomicUsize::new(0));
    let c = once_calls.clone();
    socket.once("tick", move |s: Socket, _: Value| {
        let c = c.clone();
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            let _ = s.emit("ticked", &());
        }
    });
    let id = socket.on("tick", |s: Socket, _: Value| async move {
        let _ = s.emit("ticked-on", &());
    });
    assert_eq!(socket.listeners("tick").len(), 2);
    raw.send(r#"42["tick"]"#).await;
    assert_eq!(raw.next_text().await, r#"42["ticked"]"#);
    assert_eq!(raw.next_text().await, r#"42["ticked-on"]"#);
    assert_eq!(socket.listeners("tick"), vec![id]);
    socket.off(Some("tick"), Some(id));
    assert!(socket.listeners("tick").is_empty());
    socket.on("tock", |_s: Socket| async {});
    socket.on("tock", |_s: Socket| async {});
    socket.on("tack", |_s: Socket| async {});
    socket.off(Some("tock"), None);
    assert!(socket.listeners("tock").is_empty());
    assert_eq!(socket.listeners("tack").len(), 1);
    socket.off(None, None);
    assert!(socket.listeners("tack").is_empty());
    raw.send(r#"42["tick"]"#).await;
    raw.send(r#"42["marker"]"#).await;
    socket.on("marker", |s: Socket, _: Value| async move {
        let _ = s.emit("marker", &());
    });
    raw.send(r#"42["marker"]"#).await;
    assert_eq!(raw.next_text().await, r#"42["marker"]"#);
    assert_eq!(once_calls.load(Ordering::SeqCst), 1);

    let any = socket.on_any(|_s: Socket, _e: String, _a: Vec<Value>| async {});
    socket.prepend_any(|_s: Socket, _e: String, _a: Vec<Value>| async {});
    assert_eq!(socket.listeners_any().len(), 2);
    assert_eq!(socket.listeners_any()[1], any);
    socket.off_any(Some(any));
    assert_eq!(socket.listeners_any().len(), 1);
    socket.off_any(None);
    assert!(socket.listeners_any().is_empty());
    socket.on_any_outgoing(|_s: &Socket, _e: &str, _a: &[Value]| {});
    socket.prepend_any_outgoing(|_s: &Socket, _e: &str, _a: &[Value]| {});
    assert_eq!(socket.listeners_any_outgoing().len(), 2);
    socket.off_any_outgoing(None);
    assert!(socket.listeners_any_outgoing().is_empty());

    for name in sio_server::RESERVED_EVENTS {
        assert!(matches!(socket.emit(name, &()), Err(EmitError::Reserved(n)) if n == *name));
        assert!(matches!(
            io.emit(name, &()).await,
            Err(EmitError::Reserved(_))
        ));
    }
    for name in sio_server::RESERVED_SERVER_EVENTS {
        assert!(matches!(
            io.server_side_emit(name, &()).await,
            Err(EmitError::Reserved(_))
        ));
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Profile {
    name: String,
    level: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_socket_data_is_shared_and_fetchable() {
    let io = Server::new(ServerConfig::default());
    let (mut conns, _reasons) = reporting(&io);
    let (_server, addr) = common::start(&io).await;
    let (_raw, id) = Raw::connected(addr).await;
    let socket = recv(&mut conns).await;
    assert_eq!(socket.data::<Profile>(), None);
    let profile = Profile {
        name: "alice".into(),
        level: 3,
    };
    socket.set_data(&profile).unwrap();
    assert_eq!(socket.data::<Profile>(), Some(profile.clone()));
    let fetched = io.in_(id.as_str()).fetch_sockets().await.unwrap();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].data::<Profile>(), Some(profile));
    assert_eq!(fetched[0].handshake().address(), "127.0.0.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_child_namespaces_are_cleaned_up_when_asked() {
    let io = Server::new(ServerConfig::default().cleanup_empty_child_namespaces(true));
    let (ns_tx, mut new_namespaces) = mpsc::unbounded_channel();
    io.on_new_namespace(move |nsp| {
        let _ = ns_tx.send(nsp.name().to_owned());
    });
    io.of("/static");
    assert_eq!(recv(&mut new_namespaces).await, "/static");
    let parent = io.of_dynamic(|name, _| name.starts_with("/room-"));
    let (tx, mut connected) = mpsc::unbounded_channel();
    parent.on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(socket.nsp().name().to_owned());
            socket.on_disconnect(move |s: Socket, _reason| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(format!("left {}", s.nsp().name()));
                }
            });
        }
    });
    let (_server, addr) = common::start(&io).await;
    let mut raw = Raw::open(addr).await;
    raw.send("40/room-1,").await;
    assert!(raw.next_text().await.starts_with("40/room-1,"));
    assert_eq!(recv(&mut connected).await, "/room-1");
    assert_eq!(recv(&mut new_namespaces).await, "/room-1");
    assert_eq!(parent.children().len(), 1);
    assert!(io.namespaces().iter().any(|n| n.name() == "/room-1"));
    raw.send("41/room-1,").await;
    assert_eq!(recv(&mut connected).await, "left /room-1");
    assert!(parent.children().is_empty());
    assert!(!io.namespaces().iter().any(|n| n.name() == "/room-1"));
    // it comes back on demand
    raw.send("40/room-1,").await;
    assert!(raw.next_text().await.starts_with("40/room-1,"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_middleware_error_is_connect_error_with_data() {
    let io = Server::new(ServerConfig::default());
    io.use_middleware(|socket: Socket| async move {
        let token = socket
            .handshake()
            .auth()
            .get("token")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match token.as_deref() {
            Some("ok") => Ok(()),
            _ => Err(sio_server::MiddlewareError::new("denied")
                .with_data(Value::from(serde_json::json!({"retry": false})))),
        }
    });
    let (_server, addr) = common::start(&io).await;
    let mut raw = Raw::open(addr).await;
    raw.send(r#"40{"token":"no"}"#).await;
    assert_eq!(
        raw.next_text().await,
        r#"44{"message":"denied","data":{"retry":false}}"#
    );
    raw.send(r#"40{"token":"ok"}"#).await;
    assert!(raw.next_text().await.starts_with("40{\"sid\":"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_keep_their_order_and_a_panicking_handler_harms_nobody() {
    let io = Server::new(ServerConfig::default());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    io.on_connection(move |socket: Socket| {
        let seen = s2.clone();
        async move {
            socket.on("n", move |_s: Socket, n: u32| {
                let seen = seen.clone();
                async move { seen.lock().unwrap().push(n) }
            });
            socket.on("boom", |_s: Socket, _: Value| async move {
                panic!("handler bug")
            });
            socket.on("done", |s: Socket, _: Value| async move {
                let _ = s.emit("done", &());
            });
        }
    });
    let (_server, addr) = common::start(&io).await;
    let (mut raw, _) = Raw::connected(addr).await;
    for n in 0..200 {
        raw.send(&format!("42[\"n\",{n}]")).await;
        if n == 100 {
            raw.send(r#"42["boom"]"#).await;
        }
    }
    raw.send(r#"42["done"]"#).await;
    assert_eq!(raw.next_text().await, r#"42["done"]"#);
    assert_eq!(*seen.lock().unwrap(), (0..200).collect::<Vec<u32>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_own_room_is_joined_and_left_like_any_room() {
    let io = Server::new(ServerConfig::default());
    let (_server, addr) = common::start(&io).await;
    let (mut a, a_id) = Raw::connected(addr).await;
    let (mut b, b_id) = Raw::connected(addr).await;
    let nsp = io.of("/");
    let (sa, sb) = (nsp.socket(&a_id).unwrap(), nsp.socket(&b_id).unwrap());
    assert_eq!(sa.rooms(), vec![a_id.clone()]);
    sb.join(a_id.as_str());
    nsp.to(a_id.as_str()).emit("x", &1).await.unwrap();
    assert_eq!(a.next_text().await, r#"42["x",1]"#);
    assert_eq!(b.next_text().await, r#"42["x",1]"#);
    sa.leave(a_id.as_str());
    assert!(sa.rooms().is_empty());
    let in_a = nsp.in_(a_id.as_str()).all_sockets().await.unwrap();
    assert_eq!(in_a, vec![b_id.clone()]);
    // b is in both rooms and gets the packet once; a is in neither.
    nsp.to([a_id.as_str(), b_id.as_str()])
        .emit("y", &2)
        .await
        .unwrap();
    // Still a socket of the namespace: a broadcast to all reaches it.
    nsp.emit("z", &3).await.unwrap();
    assert_eq!(a.next_text().await, r#"42["z",3]"#);
    assert_eq!(b.next_text().await, r#"42["y",2]"#);
    assert_eq!(b.next_text().await, r#"42["z",3]"#);
}
