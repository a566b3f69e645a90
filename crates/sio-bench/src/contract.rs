//! The benchmark's event contract (BENCHMARKS.md) on sio's main namespace, for `sio-bench-server` and
//! `sio serve`: `echo` emits the arguments back, `ack` acknowledges with them, `broadcast` sends them to
//! every socket, `room` to the room named by the connection's `room` query parameter.

use sio_server::{AckSender, Server, Socket, Value};

/// Installs the contract's handlers on the main namespace.
pub fn register(io: &Server) {
    io.on_connection(|socket: Socket| async move {
        if let Some(room) = socket.handshake().query().remove("room") {
            socket.join(room.clone());
            socket.on("room", move |socket: Socket, args: Vec<Value>| {
                let room = room.clone();
                async move {
                    let _ = socket.nsp().to(room).emit_args("room", args).await;
                }
            });
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
