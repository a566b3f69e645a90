//! `sio-bench-server`: sio speaking the benchmark event contract (see BENCHMARKS.md): `echo` emits the
//! arguments back, `ack` answers the acknowledgement with them, `broadcast` sends them to every socket
//! (`io.emit`), `room` sends them to the room named by the connection's `room` query parameter.
//!
//! Usage: `sio-bench-server [port] [--redis URL]`; prints `listening on 127.0.0.1:<port>` once it accepts
//! connections. With `--redis`, the server joins a cluster through sio-redis's classic adapter (key
//! `socket.io`, wire-compatible with `@socket.io/redis-adapter`), so broadcasts reach every node (W8).

use sio_redis::{RedisAdapterFactory, RedisAdapterOptions, RedisConnection, RedisTarget};
use sio_server::{AckSender, Server, ServerConfig, Socket, Value};
use std::io::Write;
use std::sync::Arc;

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

/// The port (first positional argument, 0 when absent) and the `--redis` URL, if any.
fn parse_args() -> std::io::Result<(u16, Option<String>)> {
    let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
    let (mut port, mut redis) = (0, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--redis" {
            redis = Some(
                args.next()
                    .ok_or_else(|| bad("--redis needs a URL".into()))?,
            );
        } else {
            port = arg.parse().map_err(|_| bad(format!("bad port {arg:?}")))?;
        }
    }
    Ok((port, redis))
}

fn main() -> std::io::Result<()> {
    sio_bench::rlimit::raise_fd_limit();
    let (port, redis) = parse_args()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let mut config = ServerConfig::default();
            if let Some(url) = redis {
                let conn = RedisConnection::connect(&RedisTarget::parse(&url))
                    .await
                    .map_err(std::io::Error::other)?;
                let factory = RedisAdapterFactory::new(conn, RedisAdapterOptions::default());
                config = config.adapter(Arc::new(factory));
            }
            let io = Server::new(config);
            io.of("/").on_connection(on_connection);
            let server = io.listen(("127.0.0.1", port)).await?;
            let mut out = std::io::stdout();
            writeln!(out, "listening on {}", server.local_addr())?;
            out.flush()?;
            std::future::pending::<()>().await;
            Ok(())
        })
}
