//! The shapes an event handler may take: `(Socket)` and `(Socket, AckSender)` for events whose arguments do
//! not matter, beside `(Socket, T)` and `(Socket, T, AckSender)`; and a catch-all listener with or without
//! the event's `AckSender`.

mod common;

use common::raw::Raw;
use sio_server::{AckSender, Server, ServerConfig, Socket, Value};

/// The answer of `add`, read back from the `Value` the handler builds with `value!`.
#[derive(serde::Serialize, serde::Deserialize)]
struct Sum {
    sum: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_without_arguments_are_called_whatever_the_arguments() {
    let io = Server::new(ServerConfig::default());
    io.on_connection(|socket: Socket| async move {
        socket.on("ping", |s: Socket| async move {
            let _ = s.emit("pong", &());
        });
        socket.on("time", |_s: Socket, ack: AckSender| async move {
            let _ = ack.send(&42);
        });
        socket.on(
            "add",
            |_s: Socket, (a, b): (i64, i64), ack: AckSender| async move {
                let sum = sio_server::value!({ "sum": (a + b) });
                let back: Sum = sio_server::from_value(sum.clone()).expect("reads back");
                assert_eq!(sio_server::to_value(&back).expect("writes"), sum);
                let _ = ack.send(&sum);
            },
        );
    });
    let (_server, addr) = common::start(&io).await;
    let (mut raw, _) = Raw::connected(addr).await;
    raw.send(r#"42["ping"]"#).await;
    assert_eq!(raw.next_text().await, r#"42["pong"]"#);
    raw.send(r#"42["ping","ignored",{"a":[1]}]"#).await;
    assert_eq!(raw.next_text().await, r#"42["pong"]"#);
    raw.send(r#"427["time"]"#).await;
    assert_eq!(raw.next_text().await, "437[42]");
    raw.send(r#"428["time",null,2]"#).await;
    assert_eq!(raw.next_text().await, "438[42]");
    raw.send(r#"429["add",2,3]"#).await;
    assert_eq!(raw.next_text().await, r#"439[{"sum":5}]"#);
    io.close().await;
}

/// A catch-all listener may take the event's `AckSender`, as the official `onAny` listener gets the
/// callback; it shares the one answer with the event's handlers (the first to answer wins).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catch_all_listener_may_answer_the_acknowledgement() {
    let io = Server::new(ServerConfig::default());
    io.on_connection(|socket: Socket| async move {
        socket.on_any(
            |_s: Socket, event: String, args: Vec<Value>, ack: AckSender| async move {
                if event != "handled" {
                    let _ = ack.send_args(args);
                }
            },
        );
        socket.on_any(|s: Socket, event: String, _args: Vec<Value>| async move {
            let _ = s.emit("seen", &event);
        });
        socket.on("handled", |_s: Socket, ack: AckSender| async move {
            let _ = ack.send(&"by the handler");
        });
        socket.on("twice", |_s: Socket, ack: AckSender| async move {
            let _ = ack.send(&"too late");
        });
    });
    let (_server, addr) = common::start(&io).await;
    let (mut raw, _) = Raw::connected(addr).await;
    raw.send(r#"421["anything",1,"two"]"#).await;
    assert_eq!(raw.next_text().await, r#"431[1,"two"]"#);
    assert_eq!(raw.next_text().await, r#"42["seen","anything"]"#);
    raw.send(r#"422["handled"]"#).await;
    assert_eq!(raw.next_text().await, r#"42["seen","handled"]"#);
    assert_eq!(raw.next_text().await, r#"432["by the handler"]"#);
    // Answered by the catch-all listener first: the handler's answer is not sent.
    raw.send(r#"423["twice","first"]"#).await;
    assert_eq!(raw.next_text().await, r#"433["first"]"#);
    assert_eq!(raw.next_text().await, r#"42["seen","twice"]"#);
    raw.send(r#"42["ping"]"#).await;
    assert_eq!(raw.next_text().await, r#"42["seen","ping"]"#);
    io.close().await;
}
