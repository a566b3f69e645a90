//! The benchmark's event contract (BENCHMARKS.md) on sio's main namespace, for `sio-bench-server` and
//! `sio serve`: `echo` emits the arguments back, `ack` acknowledges with them, `broadcast` sends them to
//! every socket, `room` to the room named by the connection's `room` query parameter; a connection with the
//! `flood` query parameter may start the server-driven broadcast (`flood` / `flood-ack`). The namespaces
//! `/ns/<number>` (W10) echo `echo`.

use sio_server::{AckSender, Namespace, Server, Socket, Value};
use std::sync::{Arc, Mutex, PoisonError};

/// Installs the contract's handlers on the main namespace and the `/ns/<number>` namespaces.
pub fn register(io: &Server) {
    io.of_dynamic(|name, _auth| {
        name.strip_prefix("/ns/")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
    .on_connection(|socket: Socket| async move {
        socket.on("echo", |socket: Socket, args: Vec<Value>| async move {
            let _ = socket.emit_args("echo", args);
        });
    });
    io.on_connection(|socket: Socket| async move {
        let mut query = socket.handshake().query();
        if let Some(room) = query.remove("room") {
            socket.join(room.clone());
            socket.on("room", move |socket: Socket, args: Vec<Value>| {
                let room = room.clone();
                async move {
                    let _ = socket.nsp().to(room).emit_args("room", args).await;
                }
            });
        }
        if query.contains_key("flood") {
            flood(&socket);
        }
        socket.on("echo", |socket: Socket, args: Vec<Value>| async move {
            let _ = socket.emit_args("echo", args);
        });
        socket.on(
            "ack",
            |_socket: Socket, args: Vec<Value>, ack: AckSender| async move {
                let _ = ack.send_args(args);
            },
        );
        socket.on("broadcast", |socket: Socket, args: Vec<Value>| async move {
            let _ = socket.nsp().broadcast().emit_args("broadcast", args).await;
        });
    });
}

/// The server-driven broadcast of the pacing socket: broadcasts sent, the count the pacer reported, the
/// payload and the window.
#[derive(Default)]
struct Flood {
    sent: u64,
    acked: u64,
    payload: Option<Value>,
    window: u64,
}

/// `flood PAYLOAD WINDOW` starts `io.emit("flood", PAYLOAD)` over and over, at most WINDOW broadcasts ahead
/// of what the socket reports with `flood-ack COUNT`.
fn flood(socket: &Socket) {
    let state = Arc::new(Mutex::new(Flood::default()));
    let start = state.clone();
    socket.on(
        "flood",
        move |socket: Socket, (payload, window): (Value, u64)| {
            let state = start.clone();
            async move {
                {
                    let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
                    s.payload = Some(payload);
                    s.window = window;
                }
                pump(socket.nsp(), &state).await;
            }
        },
    );
    socket.on("flood-ack", move |socket: Socket, count: u64| {
        let state = state.clone();
        async move {
            state.lock().unwrap_or_else(PoisonError::into_inner).acked = count;
            pump(socket.nsp(), &state).await;
        }
    });
}

/// Sends the broadcasts the window allows now, one after the other without waiting for each to be taken
/// (on a cluster, by the adapter's backend), as Node's `io.emit` does; then waits for them all.
async fn pump(nsp: &Namespace, state: &Mutex<Flood>) {
    let (due, payload) = {
        let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
        let due = (s.acked + s.window).saturating_sub(s.sent);
        s.sent += due;
        (due, s.payload.clone())
    };
    let Some(payload) = payload else { return };
    let everyone = nsp.broadcast();
    let emits = (0..due).map(|_| everyone.emit_args("flood", vec![payload.clone()]));
    futures_util::future::join_all(emits).await;
}
