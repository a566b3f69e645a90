//! A chat server: nicknames, rooms, typing indicators, broadcasts and acknowledgements, reachable by the
//! official JavaScript client on `127.0.0.1:3000` (a small page is served at `/`).
//!
//! Run: `cargo run --release -p sio-server --example chat` (optionally followed by another address than
//! `127.0.0.1:3000`), then open <http://127.0.0.1:3000/>, or connect any Socket.IO 4.x client, such as the
//! official demo's page (`node tests/js/server/chat.mjs` checks every feature with the official client).
//!
//! Events from the client (handled in `handlers.rs`):
//! - `add user` (nickname, ack?) -> ack and `login` `{numUsers}`; everyone else gets
//!   `user joined {username, numUsers}`
//! - `new message` (text, ack?) -> others in the current room get `new message {username, message, room}`;
//!   the ack gets `{ok, id}`
//! - `typing` / `stop typing` -> others in the room get `typing {username}` / `stop typing {username}`
//! - `join room` (room, ack) -> leaves the previous room, ack `{room, members}`; the room gets `user joined room`
//! - `list rooms` (ack) -> ack with the room names in use

mod handlers;

use axum::extract::{ConnectInfo, Request};
use axum::response::Html;
use axum::routing::get;
use sio_server::engine::RemoteAddr;
use sio_server::{Server, ServerConfig};
use std::net::SocketAddr;

const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>sio chat</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}#log{height:20em;overflow:auto;border:1px solid #ccc;padding:.5em}#typing{color:#888;height:1.2em}</style>
</head><body>
<h1>sio chat</h1>
<div id="log"></div><div id="typing"></div>
<form id="f"><input id="m" autocomplete="off" placeholder="nickname" autofocus> <button>send</button></form>
<p>Commands: <code>/join room</code>, <code>/rooms</code></p>
<script src="/socket.io.min.js"></script>
<script>
const socket = io(), log = document.getElementById("log"), m = document.getElementById("m");
let name = null, typing = false, timer;
const say = (t) => { const d = document.createElement("div"); d.textContent = t; log.appendChild(d); log.scrollTop = 1e9; };
socket.on("new message", (d) => say(`[${d.room}] ${d.username}: ${d.message}`));
socket.on("user joined", (d) => say(`${d.username} joined (${d.numUsers} online)`));
socket.on("user left", (d) => say(`${d.username} left (${d.numUsers} online)`));
socket.on("user joined room", (d) => say(`${d.username} joined ${d.room}`));
socket.on("user left room", (d) => say(`${d.username} left ${d.room}`));
socket.on("typing", (d) => document.getElementById("typing").textContent = `${d.username} is typing...`);
socket.on("stop typing", () => document.getElementById("typing").textContent = "");
m.addEventListener("input", () => { if (!name) return; if (!typing) { typing = true; socket.emit("typing"); }
  clearTimeout(timer); timer = setTimeout(() => { typing = false; socket.emit("stop typing"); }, 800); });
document.getElementById("f").addEventListener("submit", async (e) => {
  e.preventDefault(); const v = m.value.trim(); m.value = ""; if (!v) return;
  if (!name) { const r = await socket.emitWithAck("add user", v); if (r.error) return say(r.error); name = v; m.placeholder = "message"; return say(`welcome ${v}, ${r.numUsers} online`); }
  if (v.startsWith("/join ")) { const r = await socket.emitWithAck("join room", v.slice(6)); return say(`now in ${r.room} (${r.members} members)`); }
  if (v === "/rooms") { return say("rooms: " + (await socket.emitWithAck("list rooms")).join(", ")); }
  const r = await socket.timeout(5000).emitWithAck("new message", v).catch(() => ({ ok: false }));
  say(`${name}: ${v}${r.ok ? "" : " (not delivered)"}`);
});
</script></body></html>"#;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let io = Server::new(ServerConfig::default());
    handlers::register(&io);

    let client_js = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/js/node_modules/socket.io-client/dist/socket.io.min.js"
    ))
    .unwrap_or_else(|_| {
        "console.error('socket.io-client bundle not found: run npm ci in tests/js')".into()
    });
    let app = axum::Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route(
            "/socket.io.min.js",
            get(move || {
                let js = client_js.clone();
                async move { ([("content-type", "application/javascript")], js) }
            }),
        )
        .layer(io.layer())
        // The peer address for `socket.handshake().address()` (axum keeps it as `ConnectInfo`).
        .layer(axum::middleware::map_request(
            |ConnectInfo(peer): ConnectInfo<SocketAddr>, mut req: Request| async move {
                req.extensions_mut().insert(RemoteAddr(peer));
                req
            },
        ));
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("chat on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
