//! The `cluster_node` contract (docs/cluster-node.md): client events that drive every server-side
//! operation of the cluster, served on `/` and `/custom`.

use serde::Deserialize;
use sio_server::{AckError, AckSender, BroadcastOperator, Namespace, Server, Socket, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The namespaces that serve the contract.
pub const NAMESPACES: [&str; 2] = ["/", "/custom"];

/// Which sockets an operation selects, and what it does.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Operation {
    rooms: Vec<String>,
    except: Vec<String>,
    event: String,
    args: Vec<Value>,
    local: bool,
    volatile: bool,
    timeout_ms: Option<u64>,
    room: String,
    close: bool,
}

impl Operation {
    fn from(args: Vec<Value>) -> Operation {
        args.into_iter()
            .next()
            .and_then(|v| v.into_serde().ok())
            .unwrap_or_default()
    }

    fn target(&self, nsp: &Namespace) -> BroadcastOperator {
        let mut op = nsp.to(self.rooms.clone()).except(self.except.clone());
        if self.local {
            op = op.local();
        }
        if self.volatile {
            op = op.volatile();
        }
        op
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.unwrap_or(5000))
    }
}

/// `{ok, responses}` of an operation with acknowledgements.
fn outcome(result: Result<Vec<Value>, AckError>) -> Value {
    let (ok, responses) = match result {
        Ok(responses) => (true, responses),
        Err(AckError::Timeout { responses, .. }) => (false, responses),
        Err(error) => {
            tracing::warn!(%error, "operation failed");
            (false, Vec::new())
        }
    };
    sio_protocol::value!({ "ok": ok, "responses": (Value::Array(responses)) })
}

/// Installs the contract on `io`.
pub fn register(io: &Server) {
    for name in NAMESPACES {
        let nsp = io.of(name);
        let last_hello: Arc<Mutex<Option<Value>>> = Arc::default();
        let hello = last_hello.clone();
        nsp.on_server_event("hello", move |args, _| {
            *hello.lock().unwrap() = Some(Value::Array(args));
            async {}
        });
        nsp.on_server_event("ping", |_, ack| async move {
            if let Some(ack) = ack {
                ack(Value::from("pong"));
            }
        });
        let hello = last_hello.clone();
        nsp.on_connection(move |socket: Socket| {
            on_connection(socket, hello.clone());
            async {}
        });
    }
}

fn on_connection(socket: Socket, last_hello: Arc<Mutex<Option<Value>>>) {
    socket.on(
        "join",
        |s: Socket, room: String, ack: AckSender| async move {
            s.join(room);
            let _ = ack.send(&true);
        },
    );
    socket.on(
        "leave",
        |s: Socket, room: String, ack: AckSender| async move {
            s.leave(room);
            let _ = ack.send(&true);
        },
    );
    socket.on(
        "set-data",
        |s: Socket, v: Vec<Value>, ack: AckSender| async move {
            let _ = s.set_data(&v.into_iter().next().unwrap_or(Value::Null));
            let _ = ack.send(&true);
        },
    );
    socket.on(
        "broadcast",
        |s: Socket, v: Vec<Value>, ack: AckSender| async move {
            let op = Operation::from(v);
            if let Err(error) = op
                .target(s.nsp())
                .emit_args(&op.event, op.args.clone())
                .await
            {
                tracing::warn!(%error, "broadcast failed");
            }
            let _ = ack.send(&true);
        },
    );
    socket.on(
        "broadcast-ack",
        |s: Socket, v: Vec<Value>, ack: AckSender| async move {
            let op = Operation::from(v);
            let target = op.target(s.nsp()).timeout(op.timeout());
            let result = target.emit_args_with_ack(&op.event, op.args.clone()).await;
            let _ = ack.send(&outcome(result));
        },
    );
    socket.on(
        "fetch",
        |s: Socket, v: Vec<Value>, ack: AckSender| async move {
            let op = Operation::from(v);
            let sockets = match op.target(s.nsp()).fetch_sockets().await {
                Ok(sockets) => sockets,
                Err(error) => {
                    let _ = ack.send(&sio_protocol::value!({ "error": (error.to_string()) }));
                    return;
                }
            };
            let list: Vec<Value> = sockets
                .iter()
                .map(|r| {
                    let rooms: Vec<Value> = r.rooms().iter().map(Value::from).collect();
                    sio_protocol::value!({
                        "id": (r.id()),
                        "rooms": (Value::Array(rooms)),
                        "data": (r.data_value().clone())
                    })
                })
                .collect();
            let _ = ack.send(&Value::Array(list));
        },
    );
    socket.on(
        "sockets-join",
        |s: Socket, v: Vec<Value>, ack: AckSender| async move {
            let op = Operation::from(v);
            if let Err(error) = op.target(s.nsp()).sockets_join(op.room.clone()).await {
                tracing::warn!(%error, "sockets_join failed");
            }
            let _ = ack.send(&true);
        },
    );
    socket.on(
        "sockets-leave",
        |s: Socket, v: Vec<Value>, ack: AckSender| async move {
            let op = Operation::from(v);
            if let Err(error) = op.target(s.nsp()).sockets_leave(op.room.clone()).await {
                tracing::warn!(%error, "sockets_leave failed");
            }
            let _ = ack.send(&true);
        },
    );
    socket.on(
        "disconnect-sockets",
        |s: Socket, v: Vec<Value>, ack: AckSender| async move {
            let op = Operation::from(v);
            // Answer first: the caller may be among the sockets disconnected.
            let _ = ack.send(&true);
            if let Err(error) = op.target(s.nsp()).disconnect_sockets(op.close).await {
                tracing::warn!(%error, "disconnect_sockets failed");
            }
        },
    );
    socket.on(
        "server-side-emit",
        |s: Socket, v: Vec<Value>, ack: AckSender| async move {
            let op = Operation::from(v);
            let adapter = s.nsp().adapter();
            if let Err(error) = adapter
                .server_side_emit(op.event.clone(), op.args.clone())
                .await
            {
                tracing::warn!(%error, "server_side_emit failed");
            }
            let _ = ack.send(&true);
        },
    );
    socket.on(
        "server-side-emit-ack",
        |s: Socket, v: Vec<Value>, ack: AckSender| async move {
            let op = Operation::from(v);
            let adapter = s.nsp().adapter();
            let result = adapter
                .server_side_emit_with_ack(op.event.clone(), op.args.clone(), op.timeout())
                .await;
            let _ = ack.send(&outcome(result));
        },
    );
    socket.on(
        "server-count",
        |s: Socket, _: Vec<Value>, ack: AckSender| async move {
            let count = s.nsp().adapter().server_count().await.unwrap_or(0);
            let _ = ack.send(&count);
        },
    );
    socket.on(
        "last-hello",
        move |_: Socket, _: Vec<Value>, ack: AckSender| {
            let hello = last_hello.lock().unwrap().clone();
            async move {
                let _ = ack.send(&hello.unwrap_or(Value::Null));
            }
        },
    );
}
