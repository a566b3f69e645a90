//! Connection state recovery, driven by the official socket.io-client (npm 4.8.x): a client dropped at the
//! transport level comes back with the same id, rooms and data and receives the broadcasts it missed, in
//! order; expired sessions, unknown private ids and explicit disconnections are not recovered.

mod common;

use serde_json::json;
use sio_server::{
    AckSender, ConnectionStateRecovery, MiddlewareError, Server, ServerConfig, Socket, Value,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A server with recovery on (`max_disconnection_duration`), and handlers the Node script drives.
fn recovery_server(max_disconnection_duration: Duration) -> Server {
    let io = Server::new(ServerConfig::default().connection_state_recovery(
        ConnectionStateRecovery::default().max_disconnection_duration(max_disconnection_duration),
    ));
    let middleware_runs = Arc::new(AtomicUsize::new(0));
    let runs = middleware_runs.clone();
    io.use_middleware(move |socket: Socket| {
        let runs = runs.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            if socket
                .handshake()
                .auth()
                .get("token")
                .and_then(Value::as_str)
                == Some("bad")
            {
                return Err(MiddlewareError::new("refused"));
            }
            Ok(())
        }
    });
    io.on_connection(move |socket: Socket| {
        let runs = middleware_runs.clone();
        async move {
            socket.on(
                "join",
                |s: Socket, room: String, ack: AckSender| async move {
                    s.join(room);
                    let _ = ack.send(&());
                },
            );
            socket.on(
                "set-data",
                |s: Socket, data: Value, ack: AckSender| async move {
                    let _ = s.set_data(&data);
                    let _ = ack.send(&());
                },
            );
            socket.on("state", move |s: Socket, _: (), ack: AckSender| {
                let runs = runs.clone();
                async move {
                    let mut rooms = s.rooms();
                    rooms.sort();
                    let _ = ack.send(&json!({
                        "id": s.id(),
                        "rooms": rooms,
                        "data": s.data_value(),
                        "recovered": s.recovered(),
                        "middlewareRuns": runs.load(Ordering::SeqCst),
                    }));
                }
            });
            socket.on(
                "connected-ids",
                |s: Socket, _: (), ack: AckSender| async move {
                    let ids: Vec<String> = s
                        .nsp()
                        .sockets()
                        .iter()
                        .map(|s| s.id().to_owned())
                        .collect();
                    let _ = ack.send(&ids);
                },
            );
            // {to, except, arg}: a broadcast from the server to the selection
            socket.on(
                "broadcast",
                |s: Socket, spec: Value, ack: AckSender| async move {
                    let mut op = s.nsp().broadcast();
                    if let Some(to) = spec.get("to").and_then(Value::as_str) {
                        op = op.to(to.to_owned());
                    }
                    if let Some(except) = spec.get("except").and_then(Value::as_str) {
                        op = op.except(except.to_owned());
                    }
                    let arg = spec.get("arg").cloned().unwrap_or(Value::Null);
                    let _ = op.emit("m", &arg).await;
                    let _ = ack.send(&());
                },
            );
            // an emit to one socket, from another socket's handler
            socket.on(
                "emit-to",
                |s: Socket, (id, arg): (String, Value), ack: AckSender| async move {
                    if let Some(target) = s.nsp().socket(&id) {
                        let _ = target.emit("m", &arg);
                    }
                    let _ = ack.send(&());
                },
            );
        }
    });
    io
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_with_the_official_client() {
    let io = recovery_server(Duration::from_secs(120));
    let (server, addr) = common::start(&io).await;
    let short = recovery_server(Duration::from_millis(1000));
    let (short_server, short_addr) = common::start(&short).await;
    for mode in ["websocket", "polling"] {
        common::run_node(
            "server/recovery.mjs",
            &[
                &format!("http://{addr}"),
                &format!("http://{short_addr}"),
                mode,
            ],
            Duration::from_secs(90),
        )
        .await;
    }
    io.close().await;
    short.close().await;
    server.shutdown().await;
    short_server.shutdown().await;
}
