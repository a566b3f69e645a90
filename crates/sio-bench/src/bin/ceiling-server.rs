//! `ceiling-server`: the physical-limit reference of the benchmarks. A plain tokio-tungstenite websocket
//! server with small buffers that speaks just enough Engine.IO/Socket.IO text to satisfy the benchmark
//! client (open packet, CONNECT answer, echo, ack, broadcast, rooms, the server-driven flood) without
//! parsing any JSON: incoming frames are forwarded as the same shared bytes.
//!
//! Usage: `ceiling-server [port]`; prints `listening on 127.0.0.1:<port>` once it accepts connections.

use futures_util::{FutureExt, SinkExt, StreamExt};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Every connection's outgoing queue and the rooms, for broadcasts.
#[derive(Default)]
struct Hub {
    next_id: AtomicU64,
    peers: Mutex<HashMap<u64, UnboundedSender<Message>>>,
    rooms: Mutex<HashMap<String, Vec<u64>>>,
}

impl Hub {
    fn broadcast(&self, msg: &Message) {
        if let Ok(peers) = self.peers.lock() {
            for tx in peers.values() {
                let _ = tx.send(msg.clone());
            }
        }
    }

    fn to_room(&self, room: &str, msg: &Message) {
        let members = match self.rooms.lock() {
            Ok(rooms) => rooms.get(room).cloned().unwrap_or_default(),
            Err(_) => return,
        };
        if let Ok(peers) = self.peers.lock() {
            for id in members {
                if let Some(tx) = peers.get(&id) {
                    let _ = tx.send(msg.clone());
                }
            }
        }
    }

    fn leave(&self, id: u64, room: Option<&str>) {
        if let Ok(mut peers) = self.peers.lock() {
            peers.remove(&id);
        }
        if let (Some(room), Ok(mut rooms)) = (room, self.rooms.lock()) {
            if let Some(members) = rooms.get_mut(room) {
                members.retain(|m| *m != id);
                if members.is_empty() {
                    rooms.remove(room);
                }
            }
        }
    }
}

fn main() -> std::io::Result<()> {
    sio_bench::rlimit::raise_fd_limit();
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = TcpListener::bind(("127.0.0.1", port)).await?;
            let mut out = std::io::stdout();
            writeln!(out, "listening on {}", listener.local_addr()?)?;
            out.flush()?;
            let hub = Arc::new(Hub::default());
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(serve(stream, hub.clone()));
            }
        })
}

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
}

/// The `room` query parameter of the upgrade request.
fn room_of(req: &Request) -> Option<String> {
    req.uri()
        .query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix("room="))
        .map(str::to_owned)
}

// The handshake callback's error type is tungstenite's; its size is not ours to choose.
#[allow(clippy::result_large_err)]
async fn serve(stream: TcpStream, hub: Arc<Hub>) {
    let _ = stream.set_nodelay(true);
    let mut room = None;
    let callback = |req: &Request, res: Response| {
        room = room_of(req);
        Ok(res)
    };
    let Ok(mut ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config())).await
    else {
        return;
    };
    let id = hub.next_id.fetch_add(1, Ordering::Relaxed);
    let sid = format!("ceiling{id:013}");
    let (tx, mut rx) = unbounded_channel();
    if let Ok(mut peers) = hub.peers.lock() {
        peers.insert(id, tx);
    }
    if let (Some(room), Ok(mut rooms)) = (&room, hub.rooms.lock()) {
        rooms.entry(room.clone()).or_default().push(id);
    }
    let open = format!(
        "0{{\"sid\":\"{sid}\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}}"
    );
    let connected: Utf8Bytes = format!("40{{\"sid\":\"{sid}\"}}").into();
    let mut flood = Flood::default();
    if ws.send(Message::text(open)).await.is_ok() {
        loop {
            tokio::select! {
                incoming = ws.next() => {
                    let Some(Ok(msg)) = incoming else { break };
                    let mut ok = handle(&mut ws, msg, &hub, room.as_deref(), &connected, &mut flood).await;
                    // Drain whatever else is already readable before one flush.
                    while ok {
                        match ws.next().now_or_never() {
                            Some(Some(Ok(msg))) => ok = handle(&mut ws, msg, &hub, room.as_deref(), &connected, &mut flood).await,
                            Some(_) => ok = false,
                            None => break,
                        }
                    }
                    if !ok || ws.flush().await.is_err() {
                        break;
                    }
                }
                outgoing = rx.recv() => {
                    let Some(msg) = outgoing else { break };
                    if ws.feed(msg).await.is_err() {
                        break;
                    }
                    while let Ok(msg) = rx.try_recv() {
                        if ws.feed(msg).await.is_err() {
                            break;
                        }
                    }
                    if ws.flush().await.is_err() {
                        break;
                    }
                }
            }
        }
    }
    hub.leave(id, room.as_deref());
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

/// The server-driven broadcast a connection started: `42["flood",PAYLOAD,WINDOW]` makes the hub broadcast
/// `42["flood",PAYLOAD]` at most WINDOW times ahead of the count the connection reports with
/// `42["flood-ack",COUNT]`.
#[derive(Default)]
struct Flood {
    frame: Option<Message>,
    sent: u64,
    acked: u64,
    window: u64,
}

impl Flood {
    fn start(&mut self, text: &str) {
        let Some(comma) = text.rfind(',') else { return };
        self.window = text[comma + 1..].trim_end_matches(']').parse().unwrap_or(0);
        self.frame = Some(Message::text(format!("{}]", &text[..comma])));
    }

    fn pump(&mut self, hub: &Hub) {
        let Some(frame) = &self.frame else { return };
        while self.sent < self.acked + self.window {
            hub.broadcast(frame);
            self.sent += 1;
        }
    }
}

/// Answers one incoming message; returns false when the connection should end.
async fn handle(
    ws: &mut Ws,
    msg: Message,
    hub: &Hub,
    room: Option<&str>,
    connected: &Utf8Bytes,
    flood: &mut Flood,
) -> bool {
    let text = match msg {
        Message::Text(text) => text,
        Message::Close(_) => return false,
        _ => return true,
    };
    let bytes = text.as_bytes();
    let reply = if bytes.starts_with(b"42[\"echo\"") || is_namespace_echo(bytes) {
        Some(Message::Text(text))
    } else if bytes.starts_with(b"40/") {
        // `40/ns/7,` -> `40/ns/7,{"sid":...}`.
        let main = connected.as_str();
        Some(Message::text(format!("{text}{}", &main[2..])))
    } else if bytes.starts_with(b"42[\"broadcast\"") {
        hub.broadcast(&Message::Text(text));
        None
    } else if bytes.starts_with(b"42[\"room\"") {
        if let Some(room) = room {
            hub.to_room(room, &Message::Text(text));
        }
        None
    } else if bytes.starts_with(b"42[\"flood\"") {
        flood.start(&text);
        flood.pump(hub);
        None
    } else if let Some(count) = text.strip_prefix("42[\"flood-ack\",") {
        flood.acked = count.trim_end_matches(']').parse().unwrap_or(flood.acked);
        flood.pump(hub);
        None
    } else if bytes.starts_with(b"40") {
        Some(Message::Text(connected.clone()))
    } else if bytes.starts_with(b"42") {
        ack_reply(&text).map(Message::text)
    } else {
        None
    };
    match reply {
        Some(reply) => ws.feed(reply).await.is_ok(),
        None => true,
    }
}

/// `42/ns/7,["echo",...]`: an echo on another namespace, sent back as it came.
fn is_namespace_echo(bytes: &[u8]) -> bool {
    bytes.starts_with(b"42/")
        && bytes
            .iter()
            .position(|b| *b == b',')
            .is_some_and(|comma| bytes[comma + 1..].starts_with(b"[\"echo\""))
}

/// `42<id>["ack",<data>]` -> `43<id>[<data>]`.
fn ack_reply(text: &str) -> Option<String> {
    let rest = text.strip_prefix("42")?;
    let digits = rest.find('[')?;
    let id = &rest[..digits];
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let data = rest[digits..].strip_prefix("[\"ack\",")?;
    Some(format!("43{id}[{data}"))
}
