//! How a socket runs its handlers: each starts in order of arrival, most finish at once in the connection's
//! task, one that waits holds back no other, a panic is contained, and an idle socket holds no task.

mod common;

use common::raw::Raw;
use sio_server::{Server, ServerConfig, Socket, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

type Log = Arc<Mutex<Vec<String>>>;

fn log(log: &Log, entry: impl Into<String>) {
    log.lock().unwrap().push(entry.into());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_handler_holds_back_no_later_event_and_order_is_kept() {
    let io = Server::new(ServerConfig::default());
    let seen: Log = Arc::default();
    let release = Arc::new(Notify::new());
    let (s, r) = (seen.clone(), release.clone());
    io.on_connection(move |socket: Socket| {
        let (seen, release) = (s.clone(), r.clone());
        async move {
            let (s, r) = (seen.clone(), release.clone());
            socket.on("slow", move |socket: Socket, _: Value| {
                let (seen, release) = (s.clone(), r.clone());
                async move {
                    log(&seen, "slow start");
                    release.notified().await;
                    log(&seen, "slow end");
                    let _ = socket.emit("slow-done", &());
                }
            });
            let s = seen.clone();
            socket.on("n", move |_: Socket, n: u32| {
                let seen = s.clone();
                async move { log(&seen, n.to_string()) }
            });
            socket.on("done", |socket: Socket, _: Value| async move {
                let _ = socket.emit("done", &());
            });
        }
    });
    let (_server, addr) = common::start(&io).await;
    let (mut raw, _) = Raw::connected(addr).await;
    raw.send(r#"42["slow"]"#).await;
    for n in 0..20 {
        raw.send(&format!("42[\"n\",{n}]")).await;
    }
    raw.send(r#"42["done"]"#).await;
    assert_eq!(raw.next_text().await, r#"42["done"]"#);
    let mut expected = vec!["slow start".to_owned()];
    expected.extend((0..20).map(|n| n.to_string()));
    assert_eq!(*seen.lock().unwrap(), expected);
    release.notify_one();
    assert_eq!(raw.next_text().await, r#"42["slow-done"]"#);
    assert_eq!(seen.lock().unwrap().last().unwrap(), "slow end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_handlers_harm_nobody_and_free_their_pending_slot() {
    let io = Server::new(ServerConfig::default().max_pending_events(2));
    io.on_connection(|socket: Socket| async move {
        socket.on("boom", |_: Socket, _: Value| async move {
            panic!("handler bug")
        });
        socket.on("late-boom", |socket: Socket, _: Value| async move {
            let _ = socket.emit("waiting", &());
            tokio::time::sleep(Duration::from_millis(1)).await;
            panic!("handler bug after a wait")
        });
        socket.on("ping", |socket: Socket, _: Value| async move {
            let _ = socket.emit("pong", &());
        });
    });
    let (_server, addr) = common::start(&io).await;
    let (mut raw, _) = Raw::connected(addr).await;
    for _ in 0..5 {
        raw.send(r#"42["boom"]"#).await;
        raw.send(r#"42["ping"]"#).await;
        assert_eq!(raw.next_text().await, r#"42["pong"]"#);
    }
    for _ in 0..5 {
        raw.send(r#"42["late-boom"]"#).await;
        assert_eq!(raw.next_text().await, r#"42["waiting"]"#);
        tokio::time::sleep(Duration::from_millis(50)).await;
        raw.send(r#"42["ping"]"#).await;
        assert_eq!(raw.next_text().await, r#"42["pong"]"#);
    }
}

/// Waits until the runtime's live task count stays the same for a while, and returns it.
async fn settled_tasks() -> usize {
    let metrics = tokio::runtime::Handle::current().metrics();
    let mut last = metrics.num_alive_tasks();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = metrics.num_alive_tasks();
        if now == last {
            return now;
        }
        last = now;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_holds_a_task_only_while_a_handler_waits() {
    let io = Server::new(ServerConfig::default());
    let release = Arc::new(Notify::new());
    let r = release.clone();
    io.on_connection(move |socket: Socket| {
        let release = r.clone();
        async move {
            socket.on("echo", |socket: Socket, args: Vec<Value>| async move {
                let _ = socket.emit_args("echo", args);
            });
            socket.on("hold", move |socket: Socket, _: Value| {
                let release = release.clone();
                async move {
                    let _ = socket.emit("holding", &());
                    release.notified().await;
                    let _ = socket.emit("released", &());
                }
            });
        }
    });
    let (_server, addr) = common::start(&io).await;
    let (mut raw, _) = Raw::connected(addr).await;
    let idle = settled_tasks().await;
    for _ in 0..50 {
        raw.send(r#"42["echo",1]"#).await;
        assert_eq!(raw.next_text().await, r#"42["echo",1]"#);
    }
    assert_eq!(settled_tasks().await, idle, "events that finish at once");
    raw.send(r#"42["hold"]"#).await;
    assert_eq!(raw.next_text().await, r#"42["holding"]"#);
    assert_eq!(settled_tasks().await, idle + 1, "one runner while waiting");
    raw.send(r#"42["echo",2]"#).await;
    assert_eq!(raw.next_text().await, r#"42["echo",2]"#);
    release.notify_one();
    assert_eq!(raw.next_text().await, r#"42["released"]"#);
    assert_eq!(settled_tasks().await, idle, "the runner is gone");
}
