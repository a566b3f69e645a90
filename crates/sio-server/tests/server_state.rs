//! The server's shared state (`Server::with_state`, read as a `State<S>` parameter by connect middlewares,
//! connection handlers and every shape of event handler) and each socket's extensions; a handler whose
//! state is missing is not called, and says so.

mod common;

use common::raw::Raw;
use sio_server::{
    AckSender, MiddlewareError, Server, ServerConfig, Socket, SocketError, State, Value,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The app's state: the known tokens and how many sockets connected.
#[derive(Clone, Default)]
struct App {
    users: Arc<HashMap<String, String>>,
    connections: Arc<AtomicU32>,
}

/// A per-socket value that is not serde: the user's own log.
#[derive(Clone)]
struct Log(Arc<Mutex<Vec<String>>>);

fn server() -> Server {
    let users = [("t1", "ann"), ("t2", "bob")]
        .map(|(t, u)| (t.to_owned(), u.to_owned()))
        .into();
    let app = App {
        users: Arc::new(users),
        ..App::default()
    };
    let io = Server::new(ServerConfig::default())
        .with_state(app)
        .with_state("v1");
    io.use_middleware(|socket: Socket, State(app): State<App>| async move {
        let token = socket
            .handshake()
            .auth()
            .get("token")
            .and_then(Value::as_str);
        let user = token
            .and_then(|t| app.users.get(t))
            .ok_or_else(|| MiddlewareError::new("unknown token"))?;
        socket.extensions().insert(Log(Arc::default()));
        socket.set_data(user).expect("a string is a value");
        Ok(())
    });
    io.on_connection(|socket: Socket, State(app): State<App>| async move {
        app.connections.fetch_add(1, Ordering::Relaxed);
        socket.on(
            "version",
            |_s: Socket, State(v): State<&'static str>, ack: AckSender| async move {
                let _ = ack.send(&v);
            },
        );
        socket.on("count", |s: Socket, State(app): State<App>| async move {
            let _ = s.emit("count", &app.connections.load(Ordering::Relaxed));
        });
        socket.on(
            "log",
            |s: Socket, State(v): State<&'static str>, line: String| async move {
                if let Some(Log(log)) = s.extensions().get::<Log>() {
                    log.lock().unwrap().push(format!("{v}: {line}"));
                }
            },
        );
        socket.on(
            "replay",
            |s: Socket, State(_app): State<App>, prefix: String, ack: AckSender| async move {
                let log = s
                    .extensions()
                    .with(|Log(log): &Log| log.lock().unwrap().clone());
                let who: String = s.data().unwrap_or_default();
                let _ = ack.send(&(prefix + &who, log.unwrap_or_default()));
            },
        );
        socket.on("missing", |_s: Socket, State(_n): State<u8>| async move {
            unreachable!("the server has no u8 state")
        });
        socket.on_error(|s: Socket, e: SocketError| async move {
            let _ = s.emit("error seen", &e.to_string());
        });
    });
    io
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_handler_shape_reads_the_shared_state() {
    let io = server();
    let (_server, addr) = common::start(&io).await;
    let mut ann = Raw::open(addr).await;
    ann.send(r#"40{"token":"t1"}"#).await;
    assert!(ann.next_text().await.starts_with("40{\"sid\""));
    let mut bob = Raw::open(addr).await;
    bob.send(r#"40{"token":"t2"}"#).await;
    assert!(bob.next_text().await.starts_with("40{\"sid\""));

    ann.send(r#"421["version"]"#).await;
    assert_eq!(ann.next_text().await, r#"431["v1"]"#);
    bob.send(r#"42["count"]"#).await;
    assert_eq!(bob.next_text().await, r#"42["count",2]"#);
    // Each socket has its own extensions.
    ann.send(r#"42["log","a"]"#).await;
    ann.send(r#"42["log","b"]"#).await;
    bob.send(r#"42["log","c"]"#).await;
    ann.send(r#"422["replay","by "]"#).await;
    assert_eq!(ann.next_text().await, r#"432["by ann",["v1: a","v1: b"]]"#);
    bob.send(r#"422["replay","by "]"#).await;
    assert_eq!(bob.next_text().await, r#"432["by bob",["v1: c"]]"#);
    assert_eq!(io.state::<&'static str>(), Some("v1"));
    io.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_middleware_with_state_refuses_and_a_missing_state_is_reported() {
    let io = server();
    let (_server, addr) = common::start(&io).await;
    let mut stranger = Raw::open(addr).await;
    stranger.send(r#"40{"token":"nope"}"#).await;
    assert_eq!(
        stranger.next_text().await,
        r#"44{"message":"unknown token"}"#
    );

    let mut ann = Raw::open(addr).await;
    ann.send(r#"40{"token":"t1"}"#).await;
    assert!(ann.next_text().await.starts_with("40{\"sid\""));
    ann.send(r#"42["missing"]"#).await;
    assert_eq!(
        ann.next_text().await,
        r#"42["error seen","a handler of event \"missing\" takes a state the server does not have: u8"]"#
    );

    // A middleware on a namespace whose state the server lacks refuses every socket.
    io.of("/strict")
        .use_middleware(|_s: Socket, State(_n): State<u8>| async move { Ok(()) });
    ann.send("40/strict,").await;
    assert_eq!(
        ann.next_text().await,
        r#"44/strict,{"message":"server error"}"#
    );
    io.close().await;
}
