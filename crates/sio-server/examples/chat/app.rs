//! The chat's HTTP side: the page at `/`, the Socket.IO server (which serves the client bundle at
//! `/socket.io/socket.io.min.js`) and the listening socket.

use axum::extract::{ConnectInfo, Request};
use axum::response::Html;
use axum::routing::get;
use sio_server::engine::RemoteAddr;
use sio_server::Server;
use std::net::SocketAddr;

/// The page: a log, a typing line and one input (first a nickname, then messages and commands).
/// `?transports=polling` (or `websocket`) picks the client's transports. When the client bundle did not load,
/// the page says why instead of failing with `io is not defined`.
pub const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>sio chat</title><link rel="icon" href="data:,">
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}#log{height:20em;overflow:auto;border:1px solid #ccc;padding:.5em}
#typing{color:#888;height:1.2em}#status{color:#555}#status.error{color:#b00;font-weight:bold;white-space:pre-wrap}</style>
</head><body>
<h1>sio chat</h1>
<p id="status">loading the Socket.IO client...</p>
<div id="log"></div><div id="typing"></div>
<form id="f"><input id="m" autocomplete="off" placeholder="nickname" autofocus> <button>send</button></form>
<p>Commands: <code>/join room</code>, <code>/rooms</code></p>
<script src="/socket.io/socket.io.min.js"></script>
<script>
const status = document.getElementById("status");
const fail = (text) => { status.className = "error"; status.textContent = text; };
if (typeof io === "undefined") {
  fail("The Socket.IO client (/socket.io/socket.io.min.js) did not load, so this page cannot chat.");
  fetch("/socket.io/socket.io.min.js").then((r) => r.ok ? "" : r.text())
    .then((why) => fail("The Socket.IO client (/socket.io/socket.io.min.js) did not load, so this page cannot chat.\n"
      + (why || "Reload the page.")))
    .catch(() => {});
} else {
  const transports = new URLSearchParams(location.search).get("transports");
  const socket = io(transports ? { transports: transports.split(",") } : {});
  window.chat = socket;
  const log = document.getElementById("log"), m = document.getElementById("m");
  let name = null, typing = false, timer;
  const typers = new Set();
  const showTypers = () => document.getElementById("typing").textContent =
    typers.size ? `${[...typers].join(", ")} ${typers.size > 1 ? "are" : "is"} typing...` : "";
  const say = (t) => { const d = document.createElement("div"); d.textContent = t; log.appendChild(d); log.scrollTop = 1e9; };
  socket.on("connect", () => { status.className = ""; status.textContent = `connected (${socket.io.engine.transport.name})`; });
  socket.io.on("open", () => socket.io.engine.on("upgrade", (t) => {
    if (socket.connected) status.textContent = `connected (${t.name})`; }));
  socket.on("connect_error", (e) => fail(`cannot connect: ${e.message}`));
  socket.on("disconnect", (reason) => { status.className = "error"; status.textContent = `disconnected: ${reason}`; });
  socket.on("new message", (d) => { typers.delete(d.username); showTypers(); say(`[${d.room}] ${d.username}: ${d.message}`); });
  socket.on("user joined", (d) => say(`${d.username} joined (${d.numUsers} online)`));
  socket.on("user left", (d) => { typers.delete(d.username); showTypers(); say(`${d.username} left (${d.numUsers} online)`); });
  socket.on("user joined room", (d) => say(`${d.username} joined ${d.room}`));
  socket.on("user left room", (d) => { typers.delete(d.username); showTypers(); say(`${d.username} left ${d.room}`); });
  socket.on("typing", (d) => { typers.add(d.username); showTypers(); });
  socket.on("stop typing", (d) => { typers.delete(d.username); showTypers(); });
  m.addEventListener("input", () => { if (!name) return; if (!typing) { typing = true; socket.emit("typing"); }
    clearTimeout(timer); timer = setTimeout(() => { typing = false; socket.emit("stop typing"); }, 800); });
  document.getElementById("f").addEventListener("submit", async (e) => {
    e.preventDefault(); const v = m.value.trim(); m.value = ""; if (!v) return;
    if (!name) { const r = await socket.emitWithAck("add user", v); if (r.error) return say(r.error); name = v; m.placeholder = "message"; return say(`welcome ${v}, ${r.numUsers} online`); }
    if (v.startsWith("/join ")) {
      clearTimeout(timer); typing = false;
      const r = await socket.emitWithAck("join room", v.slice(6));
      if (r.error) return say(r.error);
      typers.clear(); showTypers();
      return say(`now in ${r.room} (${r.members} members)`);
    }
    if (v === "/rooms") { return say("rooms: " + (await socket.emitWithAck("list rooms")).join(", ")); }
    const r = await socket.timeout(5000).emitWithAck("new message", v).catch(() => ({ ok: false }));
    say(`${name}: ${v}${r.ok ? "" : " (not delivered)"}`);
  });
}
</script></body></html>"#;

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
                 `scripts/run 127.0.0.1:3001`"
            }
            _ => "",
        };
        format!("cannot listen on {addr}: {e}{hint}")
    })
}

/// Serves `app` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
