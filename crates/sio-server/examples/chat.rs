//! A chat server: nicknames, rooms, typing indicators, broadcasts and acknowledgements, reachable by the
//! official JavaScript client on `127.0.0.1:3000` (a small page is served at `/`).
//!
//! Run: `cargo run --release -p sio-server --example chat` (optionally followed by another address), then
//! open <http://127.0.0.1:3000/>, or connect any Socket.IO 4.x client (`node tests/js/server/chat.mjs` checks
//! every feature with the official one).
//!
//! Events from the client:
//! - `add user` (nickname, ack) -> ack `{numUsers}`; everyone else gets `user joined {username, numUsers}`
//! - `new message` (text, ack?) -> others in the current room get `new message {username, message, room}`;
//!   the ack gets `{ok, id}`
//! - `typing` / `stop typing` -> others in the room get `typing {username}` / `stop typing {username}`
//! - `join room` (room, ack) -> leaves the previous room, ack `{room, members}`; the room gets `user joined room`
//! - `list rooms` (ack) -> ack with the room names in use

use axum::response::Html;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use sio_server::{AckSender, Server, ServerConfig, Socket, Value};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

const LOBBY: &str = "lobby";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct User {
    username: Option<String>,
    room: Option<String>,
}

#[derive(Serialize)]
struct Joined<'a> {
    username: &'a str,
    #[serde(rename = "numUsers")]
    num_users: usize,
}

#[derive(Serialize)]
struct ChatMessage<'a> {
    username: &'a str,
    message: &'a str,
    room: &'a str,
}

struct Stats {
    users: AtomicUsize,
    messages: AtomicU64,
}

fn user(socket: &Socket) -> User {
    socket.data::<User>().unwrap_or_default()
}

fn on_connection(
    stats: Arc<Stats>,
) -> impl Fn(Socket) -> std::future::Ready<()> + Send + Sync + 'static {
    move |socket: Socket| {
        let stats_add = stats.clone();
        socket.on(
            "add user",
            move |socket: Socket, username: String, ack: AckSender| {
                let stats = stats_add.clone();
                async move {
                    if user(&socket).username.is_some() {
                        let _ = ack.send(&serde_json::json!({ "error": "already logged in" }));
                        return;
                    }
                    let username = username.trim().to_owned();
                    let _ = socket.set_data(&User {
                        username: Some(username.clone()),
                        room: Some(LOBBY.into()),
                    });
                    socket.join(LOBBY);
                    let num_users = stats.users.fetch_add(1, Ordering::Relaxed) + 1;
                    let _ = ack.send(&serde_json::json!({ "numUsers": num_users }));
                    let joined = Joined {
                        username: &username,
                        num_users,
                    };
                    let _ = socket.broadcast().emit("user joined", &joined).await;
                }
            },
        );

        let stats_msg = stats.clone();
        socket.on(
            "new message",
            move |socket: Socket, message: String, ack: AckSender| {
                let stats = stats_msg.clone();
                async move {
                    let user = user(&socket);
                    let Some(username) = user.username else {
                        let _ =
                            ack.send(&serde_json::json!({ "ok": false, "error": "log in first" }));
                        return;
                    };
                    let room = user.room.unwrap_or_else(|| LOBBY.into());
                    let id = stats.messages.fetch_add(1, Ordering::Relaxed) + 1;
                    let msg = ChatMessage {
                        username: &username,
                        message: &message,
                        room: &room,
                    };
                    let _ = socket.to(room.as_str()).emit("new message", &msg).await;
                    let _ = ack.send(&serde_json::json!({ "ok": true, "id": id }));
                }
            },
        );

        for (event, out) in [("typing", "typing"), ("stop typing", "stop typing")] {
            socket.on(event, move |socket: Socket, _: Value| async move {
                let user = user(&socket);
                if let (Some(username), Some(room)) = (user.username, user.room) {
                    let _ = socket
                        .to(room.as_str())
                        .volatile()
                        .emit(out, &serde_json::json!({ "username": username }))
                        .await;
                }
            });
        }

        socket.on(
            "join room",
            |socket: Socket, room: String, ack: AckSender| async move {
                let mut user = user(&socket);
                let Some(username) = user.username.clone() else {
                    let _ = ack.send(&serde_json::json!({ "error": "log in first" }));
                    return;
                };
                if let Some(previous) = user.room.take() {
                    socket.leave(previous.as_str());
                    let _ = socket
                        .to(previous.as_str())
                        .emit(
                            "user left room",
                            &serde_json::json!({ "username": username, "room": previous }),
                        )
                        .await;
                }
                socket.join(room.as_str());
                user.room = Some(room.clone());
                let _ = socket.set_data(&user);
                let members = socket
                    .nsp()
                    .in_(room.as_str())
                    .all_sockets()
                    .await
                    .map(|s| s.len())
                    .unwrap_or(0);
                let _ = socket
                    .to(room.as_str())
                    .emit(
                        "user joined room",
                        &serde_json::json!({ "username": username, "room": room }),
                    )
                    .await;
                let _ = ack.send(&serde_json::json!({ "room": room, "members": members }));
            },
        );

        socket.on(
            "list rooms",
            |socket: Socket, _: Value, ack: AckSender| async move {
                let mut rooms: Vec<String> = Vec::new();
                if let Ok(sockets) = socket.nsp().fetch_sockets().await {
                    for s in sockets {
                        if let Some(User {
                            room: Some(room), ..
                        }) = s.data::<User>()
                        {
                            if !rooms.contains(&room) {
                                rooms.push(room);
                            }
                        }
                    }
                }
                rooms.sort();
                let _ = ack.send(&rooms);
            },
        );

        let stats_left = stats.clone();
        socket.on_disconnecting(move |socket: Socket, reason| {
            let stats = stats_left.clone();
            async move {
                if let Some(username) = user(&socket).username {
                    let num_users = stats
                        .users
                        .fetch_sub(1, Ordering::Relaxed)
                        .saturating_sub(1);
                    let _ = socket
                        .broadcast()
                        .emit(
                            "user left",
                            &Joined {
                                username: &username,
                                num_users,
                            },
                        )
                        .await;
                    tracing::info!(username, %reason, "user left");
                }
            }
        });
        std::future::ready(())
    }
}

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
    let stats = Arc::new(Stats {
        users: AtomicUsize::new(0),
        messages: AtomicU64::new(0),
    });
    io.on_connection(on_connection(stats));

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
        .layer(io.layer());
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("chat on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}
