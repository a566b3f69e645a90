//! A minimal echo server for load tests and quick checks.
//!
//! Run: `cargo run --release -p sio-server --example echo -- 127.0.0.1:3000`
//!
//! - `echo` (any arguments): emitted back as `echo` to the sender, and acknowledged with the same arguments
//!   when the client asks for an ack
//! - `broadcast` (any arguments): emitted as `broadcast` to every connected socket (encoded once)
//! - `join` (room) / `to` (room, ...arguments): rooms

use sio_server::{AckSender, Server, ServerConfig, Socket, Value};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let io = Server::new(ServerConfig::default());
    let io2 = io.clone();
    io.on_connection(move |socket: Socket| {
        let io = io2.clone();
        async move {
            socket.on(
                "echo",
                |socket: Socket, args: Vec<Value>, ack: AckSender| async move {
                    if ack.is_requested() {
                        let _ = ack.send_args(args);
                    } else {
                        let _ = socket.emit_args("echo", args);
                    }
                },
            );
            socket.on("broadcast", move |_s: Socket, args: Vec<Value>| {
                let io = io.clone();
                async move {
                    let _ = io.sockets().broadcast().emit_args("broadcast", args).await;
                }
            });
            socket.on("join", |socket: Socket, room: String| async move {
                socket.join(room);
            });
            socket.on("to", |socket: Socket, mut args: Vec<Value>| async move {
                if args.is_empty() {
                    return;
                }
                if let Value::String(room) = args.remove(0) {
                    let _ = socket.to(room).emit_args("to", args).await;
                }
            });
        }
    });
    let server = io.listen(addr).await?;
    println!("listening on {}", server.local_addr());
    std::future::pending::<()>().await;
    Ok(())
}
