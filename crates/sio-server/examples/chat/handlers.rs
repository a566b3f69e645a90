//! The chat logic: what the server does for each event a chat client sends.

use serde::{Deserialize, Serialize};
use sio_server::{AckSender, Server, Socket};
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

#[derive(Default)]
struct Stats {
    users: AtomicUsize,
    messages: AtomicU64,
}

/// Installs the chat on the main namespace of `io`.
pub fn register(io: &Server) {
    io.on_connection(on_connection(Arc::new(Stats::default())));
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
                    let login = serde_json::json!({ "numUsers": num_users });
                    let _ = ack.send(&login);
                    let _ = socket.emit("login", &login);
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

        // Not volatile: a dropped `stop typing` would leave "is typing" on screen for good, and it is
        // typically sent right after a message, while a polling client has not asked for more yet.
        for event in ["typing", "stop typing"] {
            socket.on(event, move |socket: Socket| async move {
                let user = user(&socket);
                if let (Some(username), Some(room)) = (user.username, user.room) {
                    let _ = socket
                        .to(room.as_str())
                        .emit(event, &serde_json::json!({ "username": username }))
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
                    // Whoever saw this user typing in the previous room must stop seeing it: a later
                    // `stop typing` goes to the new room.
                    let _ = socket
                        .to(previous.as_str())
                        .emit("stop typing", &serde_json::json!({ "username": username }))
                        .await;
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

        socket.on("list rooms", |socket: Socket, ack: AckSender| async move {
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
        });

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
