//! The server the official Socket.IO v5 protocol test suite expects: `127.0.0.1:3000`, pingInterval 300 ms,
//! pingTimeout 200 ms, maxHttpBufferSize 1e6, connectTimeout 1000 ms, and the same handlers on `/` and
//! `/custom`: emit `auth` with the handshake's auth, echo `message` as `message-back`, answer
//! `message-with-ack` with its arguments.
//!
//! Run: `cargo run -p sio-server --example socketio_conformance`, then `npx mocha test-suite.js` in
//! `docs/socket.io-protocol/v5-test-suite` of the official repository.

use sio_server::{AckSender, Server, ServerConfig, Socket, Value};
use std::time::Duration;

async fn on_connection(socket: Socket) {
    if let Err(e) = socket.emit("auth", socket.handshake().auth()) {
        tracing::warn!(error = %e, "cannot emit auth");
    }
    socket.on("message", |socket: Socket, args: Vec<Value>| async move {
        let _ = socket.emit_args("message-back", args);
    });
    socket.on(
        "message-with-ack",
        |_socket: Socket, args: Vec<Value>, ack: AckSender| async move {
            let _ = ack.send_args(args);
        },
    );
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let config = ServerConfig::default()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .max_http_buffer_size(1_000_000)
        .connect_timeout(Duration::from_millis(1000));
    let io = Server::new(config);
    io.of("/").on_connection(on_connection);
    io.of("/custom").on_connection(on_connection);
    let server = io.listen("127.0.0.1:3000").await?;
    println!("listening on {}", server.local_addr());
    std::future::pending::<()>().await;
    Ok(())
}
