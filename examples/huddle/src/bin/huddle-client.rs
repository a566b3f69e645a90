//! `huddle-client URL TOKEN ROOM [MESSAGE...]`: joins ROOM as the user of TOKEN, prints who is there and
//! the room's history, posts each MESSAGE (printing its id, or why it was refused), then prints what
//! others post and who comes and goes until the server stops or `--for SECONDS` (default 0) have passed.
//! Exits with 1 when the server refuses the token or cannot be reached.

use huddle::client::Client;
use huddle::events::Said;
use std::time::Duration;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("huddle-client: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut stay = Duration::ZERO;
    if let Some(i) = args.iter().position(|a| a == "--for") {
        let secs = args
            .get(i + 1)
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or("--for takes a number of seconds")?;
        stay = Duration::from_secs_f64(secs);
        args.drain(i..i + 2);
    }
    let [url, token, room, messages @ ..] = args.as_slice() else {
        return Err("usage: huddle-client URL TOKEN ROOM [MESSAGE...] [--for SECONDS]".into());
    };
    let member = Client::connect(url, token, Vec::new())
        .await
        .map_err(|e| format!("cannot connect to {url}: {e}"))?;
    member.on_post(|post| println!("#{} {}: {}", post.id, post.from, post.text));
    member.on_presence(|p| {
        println!(
            "{} {} {}",
            p.user,
            if p.here { "joined" } else { "left" },
            p.room
        )
    });
    let (ended_tx, mut ended) = tokio::sync::mpsc::unbounded_channel();
    member.on_disconnect(move |reason| {
        let _ = ended_tx.send(reason);
    });
    let joined = member.join(room).await.map_err(|e| e.to_string())?;
    println!("in {} with {}", joined.room, joined.members.join(", "));
    for post in &joined.history {
        println!("#{} {}: {}", post.id, post.from, post.text);
    }
    for text in messages {
        match member.say(room, text).await.map_err(|e| e.to_string())? {
            Said::Posted { id } => println!("posted #{id}"),
            Said::Refused { reason } => println!("refused: {reason}"),
        }
    }
    tokio::select! {
        _ = tokio::time::sleep(stay) => member.disconnect(),
        reason = ended.recv() => {
            if let Some(reason) = reason {
                println!("disconnected: {reason}");
            }
        }
    }
    Ok(())
}
