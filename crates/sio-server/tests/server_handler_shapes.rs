//! The shapes an event handler may take: `(Socket)` and `(Socket, AckSender)` for events whose arguments do
//! not matter, beside `(Socket, T)` and `(Socket, T, AckSender)`.

mod common;

use common::raw::Raw;
use sio_server::{AckSender, Server, ServerConfig, Socket};

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
