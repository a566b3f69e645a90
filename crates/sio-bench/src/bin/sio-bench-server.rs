//! `sio-bench-server`: sio speaking the benchmark event contract (see BENCHMARKS.md): `echo` emits the
//! arguments back, `ack` answers the acknowledgement with them, `broadcast` sends them to every socket
//! (`io.emit`), `room` sends them to the room named by the connection's `room` query parameter.
//!
//! Usage: `sio-bench-server [port]`; prints `listening on 127.0.0.1:<port>` once it accepts connections.

use sio_server::{AckSender, Server, ServerConfig, Socket, Value};
use std::io::Write;

async fn on_connection(socket: Socket) {
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
}

fn main() -> std::io::Result<()> {
    sio_bench::rlimit::raise_fd_limit();
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let io = Server::new(ServerConfig::default());
            io.of("/").on_connection(on_connection);
            let server = io.listen(("127.0.0.1", port)).await?;
            let mut out = std::io::stdout();
            writeln!(out, "listening on {}", server.local_addr())?;
            out.flush()?;
            std::future::pending::<()>().await;
            Ok(())
        })
}
