//! Shared test fixtures: a server with a handler for every feature, and a runner for Node peers.

#![allow(dead_code)]

pub mod raw;

use serde_json::json;
use sio_server::{
    AckError, AckSender, MiddlewareError, Server, ServerConfig, Socket, SocketError, Value,
};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Reasons recorded per socket id: (disconnecting reason, disconnect reason, rooms seen in disconnecting).
/// Events seen by the catch-all listeners: (incoming, outgoing), each `(event, args)`.
type AnyLog = (Vec<(String, Vec<Value>)>, Vec<(String, Vec<Value>)>);

/// Reasons recorded per socket id.
pub type Reasons = Arc<Mutex<HashMap<String, (String, String, bool)>>>;

fn v(json: serde_json::Value) -> Value {
    Value::from(json)
}

/// The interop server: handlers for every feature the Node suite exercises.
pub fn interop_server(config: ServerConfig) -> Server {
    let io = Server::new(config);
    let reasons: Reasons = Arc::default();

    io.use_middleware(|socket: Socket| async move {
        if socket
            .handshake()
            .auth()
            .get("token")
            .and_then(Value::as_str)
            == Some("bad")
        {
            return Err(MiddlewareError::new("unauthorized").with_data(v(json!({ "code": 42 }))));
        }
        Ok(())
    });

    let admin = io.of("/admin");
    admin.use_middleware(|socket: Socket| async move {
        if socket
            .handshake()
            .auth()
            .get("token")
            .and_then(Value::as_str)
            != Some("admin")
        {
            return Err(
                MiddlewareError::new("admins only").with_data(v(json!({ "required": "admin" })))
            );
        }
        Ok(())
    });
    admin.on_connection(whoami);

    let parent = io.of_dynamic(|name, _auth| name.starts_with("/dyn-"));
    parent.on_connection(whoami);

    let io2 = io.clone();
    let parent2 = parent.clone();
    io.on_connection(move |socket: Socket| {
        let io = io2.clone();
        let parent = parent2.clone();
        let reasons = reasons.clone();
        async move { main_handlers(io, parent, reasons, socket) }
    });
    io
}

async fn whoami(socket: Socket) {
    socket.on(
        "whoami",
        |socket: Socket, _: Value, ack: AckSender| async move {
            let _ = ack.send(socket.nsp().name());
        },
    );
}

fn main_handlers(
    io: Server,
    parent: sio_server::ParentNamespace,
    reasons: Reasons,
    socket: Socket,
) {
    let log: Arc<Mutex<AnyLog>> = Arc::default();
    let l = log.clone();
    socket.on_any(move |_s: Socket, event: String, args: Vec<Value>| {
        let l = l.clone();
        async move {
            if event != "any-log" {
                l.lock().unwrap().0.push((event, args));
            }
        }
    });
    let l = log.clone();
    socket.on_any_outgoing(move |_s: &Socket, event: &str, args: &[Value]| {
        l.lock().unwrap().1.push((event.to_owned(), args.to_vec()));
    });
    let l = log.clone();
    socket.on("any-log", move |_s: Socket, _: Value, ack: AckSender| {
        let l = l.clone();
        async move {
            let (incoming, outgoing) = l.lock().unwrap().clone();
            let _ = ack.send(&json!({
                "incoming": incoming.iter().map(|(e, a)| json!([e, to_json(a)])).collect::<Vec<_>>(),
                "outgoing": outgoing.iter().map(|(e, a)| json!([e, to_json(a)])).collect::<Vec<_>>(),
            }));
        }
    });

    socket.use_middleware(|_s: Socket, event: sio_server::IncomingEvent| async move {
        if event.event == "forbidden" {
            Err(MiddlewareError::new("not allowed"))
        } else {
            Ok(event)
        }
    });
    socket.on_error(|socket: Socket, error: SocketError| async move {
        let event = match &error {
            SocketError::InvalidArgs { event, .. } | SocketError::Rejected { event, .. } => {
                event.clone()
            }
            other => other.to_string(),
        };
        let _ = socket.emit(
            "handler-error",
            &json!({ "event": event, "message": error.to_string() }),
        );
    });

    socket.on("no-answer", |_s: Socket, _: Value| async move {});
    socket.on("ping", |_s: Socket, _: Value, ack: AckSender| async move {
        let _ = ack.send("pong");
    });
    let upgraded = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let u = upgraded.clone();
    socket.on_upgrade(move |_s: Socket| {
        let u = u.clone();
        async move { u.store(true, std::sync::atomic::Ordering::SeqCst) }
    });
    socket.on("conn", move |s: Socket, _: Value, ack: AckSender| {
        let upgraded = upgraded.load(std::sync::atomic::Ordering::SeqCst);
        async move {
            let _ = ack.send(&(s.conn().transport().as_str(), upgraded));
        }
    });
    socket.on("echo-args", |s: Socket, args: Vec<Value>| async move {
        let _ = s.emit_args("echo-args", args);
    });
    socket.on(
        "ack-args",
        |_s: Socket, args: Vec<Value>, ack: AckSender| async move {
            let _ = ack.send_args(args);
        },
    );
    socket.on(
        "request",
        |_s: Socket, (arg1, arg2): (serde_json::Value, String), ack: AckSender| async move {
            let _ = ack.send(&json!({ "status": "ok", "arg1": arg1, "arg2": arg2 }));
        },
    );
    socket.on(
        "typed",
        |_s: Socket, (name, n): (String, u32), ack: AckSender| async move {
            let _ = ack.send(&(name, n * 2));
        },
    );
    socket.on(
        "server-ack",
        |s: Socket, n: u32, ack: AckSender| async move {
            let answer: Result<u32, AckError> = s
                .timeout(Duration::from_secs(5))
                .emit_with_ack("ask", &n)
                .await;
            let _ = ack.send(&json!({ "answer": answer.ok() }));
        },
    );
    socket.on(
        "server-ack-timeout",
        |s: Socket, _: Value, ack: AckSender| async move {
            let answer: Result<Value, AckError> = s
                .timeout(Duration::from_millis(300))
                .emit_with_ack("ignored", &())
                .await;
            let result = match answer {
                Err(AckError::Timeout { .. }) => json!({ "error": "timeout" }),
                other => json!({ "unexpected": format!("{other:?}") }),
            };
            let _ = ack.send(&result);
        },
    );
    socket.on(
        "join",
        |s: Socket, rooms: Value, ack: AckSender| async move {
            match rooms {
                Value::Array(list) => s.join(
                    list.iter()
                        .filter_map(|r| r.as_str().map(str::to_owned))
                        .collect::<Vec<_>>(),
                ),
                Value::String(room) => s.join(room),
                _ => {}
            }
            let _ = ack.send(&s.rooms());
        },
    );
    socket.on(
        "leave",
        |s: Socket, room: String, ack: AckSender| async move {
            s.leave(room);
            let _ = ack.send(&s.rooms());
        },
    );
    socket.on("rooms", |s: Socket, _: Value, ack: AckSender| async move {
        let _ = ack.send(&s.rooms());
    });
    socket.on(
        "to-room",
        |s: Socket, (room, msg): (String, Value), ack: AckSender| async move {
            let _ = s.to(room).emit("room-msg", &msg).await;
            let _ = ack.send(&());
        },
    );
    let io_ = io.clone();
    socket.on(
        "io-to-room",
        move |_s: Socket, (room, msg): (String, Value), ack: AckSender| {
            let io = io_.clone();
            async move {
                let _ = io.to(room).emit("room-msg", &msg).await;
                let _ = ack.send(&());
            }
        },
    );
    let io_ = io.clone();
    socket.on(
        "except-room",
        move |_s: Socket, (room, msg): (String, Value), ack: AckSender| {
            let io = io_.clone();
            async move {
                let _ = io.except(room).emit("except-msg", &msg).await;
                let _ = ack.send(&());
            }
        },
    );
    let io_ = io.clone();
    socket.on(
        "to-rooms",
        move |_s: Socket, (rooms, msg): (Vec<String>, Value), ack: AckSender| {
            let io = io_.clone();
            async move {
                let mut op = io.sockets().broadcast();
                for room in rooms {
                    op = op.to(room);
                }
                let _ = op.emit("multi", &msg).await;
                let _ = ack.send(&());
            }
        },
    );
    socket.on(
        "broadcast",
        |s: Socket, msg: Value, ack: AckSender| async move {
            let _ = s.broadcast().emit("bcast", &msg).await;
            let _ = ack.send(&());
        },
    );
    let io_ = io.clone();
    socket.on(
        "broadcast-ack",
        move |_s: Socket, room: String, ack: AckSender| {
            let io = io_.clone();
            async move {
                let answers: Result<Vec<String>, AckError> = io
                    .to(room)
                    .timeout(Duration::from_secs(5))
                    .emit_with_ack("bcast-ask", &())
                    .await;
                let _ = ack.send(&answers.unwrap_or_default());
            }
        },
    );
    socket.on(
        "set-data",
        |s: Socket, data: Value, ack: AckSender| async move {
            let _ = s.set_data(&data);
            let _ = ack.send(&());
        },
    );
    let io_ = io.clone();
    socket.on("fetch", move |_s: Socket, room: String, ack: AckSender| {
        let io = io_.clone();
        async move {
            let sockets = io.in_(room).fetch_sockets().await.unwrap_or_default();
            let list: Vec<serde_json::Value> = sockets
                .iter()
                .map(|s| json!({ "id": s.id(), "rooms": s.rooms(), "data": s.data::<serde_json::Value>() }))
                .collect();
            let _ = ack.send(&list);
        }
    });
    let io_ = io.clone();
    socket.on(
        "sockets-join",
        move |_s: Socket, (room, to): (String, String), ack: AckSender| {
            let io = io_.clone();
            async move {
                let _ = io.in_(room).sockets_join(to).await;
                let _ = ack.send(&());
            }
        },
    );
    let io_ = io.clone();
    socket.on(
        "sockets-leave",
        move |_s: Socket, (room, to): (String, String), ack: AckSender| {
            let io = io_.clone();
            async move {
                let _ = io.in_(room).sockets_leave(to).await;
                let _ = ack.send(&());
            }
        },
    );
    let io_ = io.clone();
    socket.on(
        "disconnect-room",
        move |_s: Socket, room: String, ack: AckSender| {
            let io = io_.clone();
            async move {
                let _ = ack.send(&());
                let _ = io.in_(room).disconnect_sockets(false).await;
            }
        },
    );
    let io_ = io.clone();
    socket.on("remote-ops", move |s: Socket, _: Value, ack: AckSender| {
        let io = io_.clone();
        async move {
            let found = io.in_(s.id()).fetch_sockets().await.unwrap_or_default();
            let Some(remote) = found.first() else {
                let _ = ack.send(&json!({ "error": "not found" }));
                return;
            };
            let _ = remote.emit("remote-hello", "hi").await;
            let answer: Result<u32, AckError> = remote
                .emit_with_ack("remote-ask", &1, Duration::from_secs(5))
                .await;
            let _ = ack.send(&json!({ "answer": answer.ok() }));
        }
    });
    socket.on(
        "parent-broadcast",
        move |_s: Socket, msg: Value, ack: AckSender| {
            let parent = parent.clone();
            async move {
                let _ = parent.emit("parent-msg", &msg).await;
                let _ = ack.send(&());
            }
        },
    );
    socket.on(
        "emit-reserved",
        |s: Socket, _: Value, ack: AckSender| async move {
            let err = s.emit("disconnect", &()).err().map(|e| e.to_string());
            let _ = ack.send(&err);
        },
    );
    socket.on(
        "handshake",
        |s: Socket, _: Value, ack: AckSender| async move {
            let _ = ack.send(s.handshake());
        },
    );
    socket.on("server-disconnect", |s: Socket, _: Value| async move {
        s.disconnect(false);
    });
    let io_ = io.clone();
    socket.on(
        "server-side-emit",
        move |_s: Socket, _: Value, ack: AckSender| {
            let io = io_.clone();
            async move {
                let _ = io.server_side_emit("hello", "world").await;
                let responses = io
                    .server_side_emit_with_ack("ping", &(), Duration::from_secs(1))
                    .await
                    .unwrap_or_default();
                let _ = ack.send(&json!({ "responses": to_json(&responses) }));
            }
        },
    );
    let r = reasons.clone();
    socket.on(
        "reason-of",
        move |_s: Socket, id: String, ack: AckSender| {
            let r = r.clone();
            async move {
                let found = r.lock().unwrap().get(&id).cloned();
                match found {
                    Some((disconnecting, disconnect, rooms)) if !disconnect.is_empty() => {
                        let _ = ack.send(&json!({
                            "disconnecting": disconnecting,
                            "disconnect": disconnect,
                            "roomsInDisconnecting": rooms,
                        }));
                    }
                    _ => {
                        let _ = ack.send(&Value::Null);
                    }
                }
            }
        },
    );
    let r = reasons.clone();
    socket.on_disconnecting(move |s: Socket, reason| {
        let r = r.clone();
        async move {
            let has_rooms = s.rooms().iter().any(|room| room == s.id());
            r.lock().unwrap().insert(
                s.id().to_owned(),
                (reason.to_string(), String::new(), has_rooms),
            );
        }
    });
    socket.on_disconnect(move |s: Socket, reason| {
        let r = reasons.clone();
        async move {
            if let Some(entry) = r.lock().unwrap().get_mut(s.id()) {
                entry.1 = reason.to_string();
            }
        }
    });
}

fn to_json(args: &[Value]) -> serde_json::Value {
    serde_json::Value::Array(args.iter().map(value_to_json).collect())
}

fn value_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => serde_json::Value::Number(n.clone()),
        Value::String(s) => s.clone().into(),
        Value::Binary(b) => serde_json::Value::Array(b.iter().map(|x| (*x).into()).collect()),
        Value::Array(a) => serde_json::Value::Array(a.iter().map(value_to_json).collect()),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (k.clone(), value_to_json(v)))
            .collect(),
    }
}

/// The `tests/js` directory of the repository.
pub fn js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js")
}

/// Runs a Node script from `tests/js` with arguments; fails the test with its output unless it succeeds.
pub async fn run_node(script: &str, args: &[&str], timeout: Duration) {
    let mut cmd = tokio::process::Command::new("node");
    cmd.current_dir(js_dir())
        .arg(script)
        .args(args)
        .kill_on_drop(true)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd
        .spawn()
        .expect("node must be installed to run the interop tests");
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script} {args:?} did not finish within {timeout:?}"))
        .expect("waiting for node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} {args:?} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    println!("{stdout}");
}

/// Starts a server on an ephemeral loopback port.
pub async fn start(io: &Server) -> (sio_server::engine::EngineServer, SocketAddr) {
    let server = io.listen("127.0.0.1:0").await.expect("bind");
    let addr = server.local_addr();
    (server, addr)
}
