//! A terminal client for the Socket.IO chat demo servers (the classic one and `sio-server`'s `chat` example).
//!
//! ```text
//! cargo run -p sio-client --example chat_client -- http://localhost:3000 alice
//! ```
//! Type a line to send it; `/join <room>` changes room (when the server has rooms); `/quit` leaves.

use serde::Deserialize;
use sio_client::{io, DisconnectReason, Options, Socket, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Where the client's lines go (the terminal here; a test collects them).
pub type Out = Arc<dyn Fn(String) + Send + Sync>;

#[derive(Debug, Deserialize)]
struct Login {
    #[serde(rename = "numUsers")]
    num_users: u64,
}

#[derive(Debug, Deserialize)]
struct Message {
    username: String,
    message: String,
}

#[derive(Debug, Deserialize)]
struct UserCount {
    username: String,
    #[serde(rename = "numUsers")]
    num_users: u64,
}

#[derive(Debug, Deserialize)]
struct Typing {
    username: String,
}

/// `user joined room` / `user left room` (sio-server's example): no count, the room.
#[derive(Debug, Deserialize)]
struct RoomChange {
    username: String,
    room: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "http://localhost:3000".into());
    let username = args.next().unwrap_or_else(|| "rustacean".into());

    let out: Out = Arc::new(|line| println!("{line}"));
    let socket = io(&url, Options::default())?;
    listen(&socket, &username, out.clone());
    socket.connect().await?;

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let line = line.trim();
        if line == "/quit" {
            break;
        }
        if line.is_empty() {
            continue;
        }
        if let Some(room) = line.strip_prefix("/join ") {
            ask(&socket, "join room", Value::from(room.trim()), out.clone());
            continue;
        }
        socket.emit("typing", &())?;
        ask(&socket, "new message", Value::from(line), out.clone());
        socket.emit("stop typing", &())?;
    }
    // let the DISCONNECT and CLOSE packets leave before the runtime stops
    let engine = socket.manager().engine();
    socket.disconnect();
    if let Some(engine) = engine {
        let _ = tokio::time::timeout(Duration::from_secs(2), engine.closed()).await;
    }
    Ok(())
}

/// Prints what the chat server sends, and logs in as `name` on every (re)connection.
pub fn listen(socket: &Socket, name: &str, out: Out) {
    let o = out.clone();
    // Both servers send `login` after `add user` (sio-server's example also acks it, which is not printed).
    socket.on_typed::<Login>("login", move |login, _| {
        o(format!(
            "* welcome to the chat, {} participant(s)",
            login.num_users
        ))
    });
    let o = out.clone();
    socket.on_typed::<Message>("new message", move |m, _| {
        o(format!("{}: {}", m.username, m.message))
    });
    let o = out.clone();
    socket.on_typed::<UserCount>("user joined", move |u, _| {
        o(format!(
            "* {} joined ({} participants)",
            u.username, u.num_users
        ))
    });
    let o = out.clone();
    socket.on_typed::<UserCount>("user left", move |u, _| {
        o(format!(
            "* {} left ({} participants)",
            u.username, u.num_users
        ))
    });
    let o = out.clone();
    socket.on_typed::<Typing>("typing", move |t, _| {
        o(format!("* {} is typing", t.username))
    });
    let o = out.clone();
    socket.on_typed::<Typing>("stop typing", move |t, _| {
        o(format!("* {} stopped typing", t.username))
    });
    let o = out.clone();
    socket.on_typed::<RoomChange>("user joined room", move |u, _| {
        o(format!("* {} joined {}", u.username, u.room))
    });
    let o = out.clone();
    socket.on_typed::<RoomChange>("user left room", move |u, _| {
        o(format!("* {} left {}", u.username, u.room))
    });
    let o = out.clone();
    socket.on_handler_error(move |event, err| o(format!("unexpected {event:?} payload: {err}")));
    let o = out.clone();
    socket.on_disconnect(move |reason: DisconnectReason| o(format!("* disconnected: {reason}")));
    let s = socket.clone();
    let name = name.to_owned();
    socket.on_connect(move || {
        out(format!("* connected as {name}"));
        ask(&s, "add user", Value::from(name.as_str()), out.clone());
    });
}

/// Emits with an ack and prints what the answer says beyond the events (an error, the room joined), if
/// the server answers within a few seconds.
fn ask(socket: &Socket, event: &str, arg: Value, out: Out) {
    let answer = socket
        .timeout(Duration::from_secs(5))
        .emit_args_with_ack::<Value>(event, vec![arg]);
    let event = event.to_owned();
    tokio::spawn(async move {
        if let Ok(v) = answer.await {
            if let Some(e) = v.get("error").and_then(Value::as_str) {
                out(format!("* {event}: {e}"));
            } else if let Some(room) = v.get("room").and_then(Value::as_str) {
                let members = v.get("members").and_then(Value::as_u64).unwrap_or(0);
                out(format!("* now in room {room} ({members} members)"));
            }
        }
    });
}
