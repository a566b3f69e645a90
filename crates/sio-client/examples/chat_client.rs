//! A terminal client for the classic Socket.IO chat demo server.
//!
//! ```text
//! cargo run -p sio-client --example chat_client -- http://localhost:3000 alice
//! ```
//! Type a line to send it; `/quit` leaves.

use serde::Deserialize;
use sio_client::{io, DisconnectReason, Options};
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
    let name = username.clone();
    let s = socket.clone();
    // on every (re)connection the server needs to know who we are again
    socket.on_connect(move || {
        println!("* connected as {name}");
        let _ = s.emit("add user", &name);
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
        socket.emit("typing", &())?;
        socket.emit("new message", line)?;
        socket.emit("stop typing", &())?;
    }
    socket.disconnect();
    Ok(())
}
