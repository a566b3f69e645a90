//! A terminal client for the Socket.IO chat demo servers (the classic one and `sio-server`'s `chat` example).
//!
//! ```text
//! cargo run -p sio-client --example chat_client -- http://localhost:3000 alice
//! ```
//! Type a line to send it; `/join <room>` changes room (when the server has rooms); `/quit` leaves.

use serde::Deserialize;
use sio_client::{io, DisconnectReason, Options, Socket, Value};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "http://localhost:3000".into());
    let username = args.next().unwrap_or_else(|| "rustacean".into());

    let socket = io(&url, Options::default())?;
    socket.on_typed::<Login>("login", |login, _| {
        println!("* welcome to the chat, {} participant(s)", login.num_users);
    });
    socket.on_typed::<Message>("new message", |m, _| {
        println!("{}: {}", m.username, m.message);
    });
    socket.on_typed::<UserCount>("user joined", |u, _| {
        println!("* {} joined ({} participants)", u.username, u.num_users);
    });
    socket.on_typed::<UserCount>("user left", |u, _| {
        println!("* {} left ({} participants)", u.username, u.num_users);
    });
    socket.on_typed::<Typing>("typing", |t, _| println!("* {} is typing", t.username));
    socket.on_typed::<Typing>("stop typing", |t, _| {
        println!("* {} stopped typing", t.username)
    });
    socket.on_handler_error(|event, err| eprintln!("unexpected {event:?} payload: {err}"));
    socket.on_typed::<UserCount>("user joined room", |u, _| {
        println!("* {} joined the room ({} members)", u.username, u.num_users);
    });
    let name = username.clone();
    let s = socket.clone();
    // on every (re)connection the server needs to know who we are again
    socket.on_connect(move || {
        println!("* connected as {name}");
        // the classic server answers with a `login` event, sio-server's example with an ack
        ask(&s, "add user", Value::from(name.as_str()));
    });
    socket.on_disconnect(|reason: DisconnectReason| println!("* disconnected: {reason}"));
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
            ask(&socket, "join room", Value::from(room.trim()));
            continue;
        }
        socket.emit("typing", &())?;
        ask(&socket, "new message", Value::from(line));
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

/// Emits with an ack and prints the answer, if the server gives one within a few seconds.
fn ask(socket: &Socket, event: &str, arg: Value) {
    let answer = socket
        .timeout(Duration::from_secs(5))
        .emit_values_with_ack::<Value>(event, vec![arg]);
    let event = event.to_owned();
    tokio::spawn(async move {
        if let Ok(v) = answer.await {
            if let Some(n) = v.get("numUsers").and_then(Value::as_u64) {
                println!("* welcome to the chat, {n} participant(s)");
            } else if let Some(e) = v.get("error").and_then(Value::as_str) {
                println!("* {event}: {e}");
            } else if let Some(room) = v.get("room").and_then(Value::as_str) {
                println!("* now in room {room}");
            }
        }
    });
}
