//! The chat of the chat example (`crates/sio-server/examples/chat`): its handlers and its page are that
//! example's own files (`chat_files/` links to them, so that the packaged crate holds them too), compiled
//! into `sio serve` as they are.

#[path = "chat_files/handlers.rs"]
mod handlers;

use axum::extract::{ConnectInfo, Request};
use axum::response::Html;
use axum::routing::get;
use sio_server::engine::RemoteAddr;
use sio_server::Server;
use std::net::SocketAddr;

/// The chat page.
const PAGE: &str = include_str!("chat_files/index.html");

/// Installs the chat's event handlers on the main namespace.
pub fn register(io: &Server) {
    handlers::register(io);
}

/// The page at `/`, and `io` (with the client bundle) in front of it.
pub fn router(io: &Server) -> axum::Router {
    axum::Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .layer(io.layer())
        // The peer address for `socket.handshake().address()` (axum keeps it as `ConnectInfo`).
        .layer(axum::middleware::map_request(
            |ConnectInfo(peer): ConnectInfo<SocketAddr>, mut req: Request| async move {
                req.extensions_mut().insert(RemoteAddr(peer));
                req
            },
        ))
}
