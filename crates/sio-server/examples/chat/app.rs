//! The chat's HTTP side: the page at `/`, the Socket.IO server (which serves the client bundle at
//! `/socket.io/socket.io.min.js`) and the listening socket.

use axum::extract::{ConnectInfo, Request};
use axum::response::Html;
use axum::routing::get;
use sio_server::engine::RemoteAddr;
use sio_server::Server;
use std::net::SocketAddr;

/// The page (`index.html`, which `sio serve` serves too): a log, a typing line and one input (first a
/// nickname, then messages and commands). `?transports=polling` (or `websocket`) picks the client's
/// transports. When the client bundle did not load, the page says why instead of failing with
/// `io is not defined`.
pub const PAGE: &str = include_str!("index.html");

/// The app: the page, and `io` in front of it (the Socket.IO path, the client bundle included).
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

/// Listens on `addr`; the error names the address and what to do when it is taken.
pub async fn bind(addr: &str) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                "; another program listens there: stop it, or give another address, as in \
                 `cargo run --release -p sio-server --example chat -- 127.0.0.1:3001`"
            }
            _ => "",
        };
        format!("cannot listen on {addr}: {e}{hint}")
    })
}

/// Serves `app` on `listener` until Ctrl-C, then closes `io` (every socket and session) and stops.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    io: Server,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    // sio closes first, so that no long-polling GET holds the graceful shutdown.
    .with_graceful_shutdown(io.close_on(async {
        let _ = tokio::signal::ctrl_c().await;
    }))
    .await
}
