//! A chat server: nicknames, rooms, typing indicators, broadcasts and acknowledgements, reachable by the
//! official JavaScript client on `127.0.0.1:3000` (a small page is served at `/`).
//!
//! Run: `cargo run --release -p sio-server --example chat` from the repository root, optionally followed
//! by another address than `127.0.0.1:3000`, once the pinned npm `socket.io-client` that sio serves to the
//! page at `/socket.io/socket.io.min.js` is installed (`npm ci` in `tests/js`; `scripts/run` does it, then
//! runs the same page in `sio serve`); then open <http://127.0.0.1:3000/>, or connect any Socket.IO 4.x
//! client (`node tests/js/server/chat.mjs` checks every feature with the official client).
//!
//! Events from the client (handled in `handlers.rs`):
//! - `add user` (nickname, ack?) -> ack and `login` `{numUsers}`; everyone else gets
//!   `user joined {username, numUsers}`
//! - `new message` (text, ack?) -> others in the current room get `new message {username, message, room}`;
//!   the ack gets `{ok, id}`
//! - `typing` / `stop typing` -> others in the room get `typing {username}` / `stop typing {username}`
//! - `join room` (room, ack) -> the previous room gets `stop typing` and `user left room`, the ack
//!   `{room, members}`, the new room `user joined room`
//! - `list rooms` (ack) -> ack with the room names in use

mod app;
mod handlers;

use sio_server::{Server, ServerConfig};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let listener = match app::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!("{e}");
            std::process::exit(1);
        }
    };
    // Logs where the client bundle is served from, or that it is missing.
    let io = Server::new(ServerConfig::default());
    handlers::register(&io);
    tracing::info!("chat on http://{}", listener.local_addr()?);
    app::serve(listener, app::router(&io), io.clone()).await
}
