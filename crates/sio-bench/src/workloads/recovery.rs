//! W9 cluster recovery: connection state recovery across the nodes of a cluster on the streams adapter.
//! Each of `in_flight` workers owns a room and a sender connection in it, and repeats one cycle:
//!
//! 1. a client connects to node `k` in the room and emits one `room` event, whose copy brings its
//!    first offset;
//! 2. the client's TCP connection drops (a recoverable "transport close"), and the worker waits until
//!    the node has stored the session in Redis (`EXISTS sio:session:<pid>`), as a real client's
//!    reconnection delay (a second by default) would;
//! 3. the sender, on another node, emits [`MISSED`] `room` events and waits for its own copies, so they
//!    are in the stream;
//! 4. the client reconnects to a third node with `{pid, offset}` in its CONNECT.
//!
//! The latency is step 4: from opening the TCP connection until the CONNECT answer (same sid) and every
//! missed event have arrived. Recoveries/s counts whole cycles; a cycle whose session or events did not
//! come back counts as a failure.

use super::{batches, Ctx, Measured};
use crate::error::BenchError;
use crate::frames::{event_text, push_text_frame};
use crate::live::Live;
use crate::socketio_ws::{connect, connect_with_auth};
use crate::ws_conn::WsConn;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Events emitted to the room while the client is away.
pub const MISSED: usize = 10;
/// How long one step of a cycle may take before the cycle counts as failed.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// A warm-up batch then `timing.runs` batches of `size.clients` recoveries each.
pub async fn run(ctx: &Ctx<'_>) -> Measured {
    batches(ctx, true, |live, count| async move {
        batch(ctx, &live, count).await
    })
    .await
}

/// Runs `count` recovery cycles with `size.in_flight` workers spread over the cores.
async fn batch(ctx: &Ctx<'_>, live: &Arc<Live>, count: u64) {
    let next = Arc::new(AtomicU64::new(0));
    let batch_id = BATCH.fetch_add(1, Ordering::Relaxed);
    let workers: Vec<_> = (0..ctx.size.in_flight)
        .map(|w| {
            let (live, next, nodes) = (live.clone(), next.clone(), ctx.nodes.clone());
            let redis_addr = ctx.redis;
            let room = format!("w9-{batch_id}-{w}");
            ctx.cores.spawn(w, async move {
                let sender_node = nodes[(w + 1) % nodes.len()];
                let mut sender = match step(connect(sender_node, &format!("&room={room}"))).await {
                    Ok(conn) => conn,
                    Err(e) => return live.fail(&e),
                };
                let Some(redis_addr) = redis_addr else {
                    return live.fail(&BenchError::Server("W9 needs the cluster's Redis".into()));
                };
                let mut redis = match step(SessionWatch::connect(redis_addr)).await {
                    Ok(redis) => redis,
                    Err(e) => return live.fail(&e),
                };
                let mut cycle = 0usize;
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let away = nodes[(w + cycle) % nodes.len()];
                    let back = nodes[(w + cycle + 2) % nodes.len()];
                    cycle += 1;
                    let cycle_result =
                        recover_once(&mut sender, &mut redis, away, back, &room, &live).await;
                    match cycle_result {
                        Ok(()) => live.add_done(1),
                        Err(e @ BenchError::Closed) => {
                            live.fail(&e);
                            return;
                        }
                        Err(e) => live.fail(&e),
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
}

/// Distinguishes the rooms of successive batches, so late events of one never count in the next.
static BATCH: AtomicU64 = AtomicU64::new(0);

/// One cycle: connect to `away`, get an offset, drop, miss [`MISSED`] events, recover on `back`.
async fn recover_once(
    sender: &mut WsConn,
    redis: &mut SessionWatch,
    away: SocketAddr,
    back: SocketAddr,
    room: &str,
    live: &Live,
) -> Result<(), BenchError> {
    let query = format!("&room={room}");
    let (mut client, answer, _) = step(connect_with_auth(away, &query, "")).await?;
    let (sid, pid) = (field(&answer, "sid")?, field(&answer, "pid")?);
    queue_event(&mut client, "first");
    client.flush().await?;
    let offset = step(last_offset_of(&mut client, "first")).await?;
    drain(sender, 1).await?;
    drop(client);
    redis.wait_for_session(&pid).await?;

    for i in 0..MISSED {
        queue_event(sender, &format!("missed-{i}"));
    }
    sender.flush().await?;
    drain(sender, MISSED).await?;

    let t0 = Instant::now();
    let auth = format!("{{\"pid\":\"{pid}\",\"offset\":\"{offset}\"}}");
    let (mut client, answer, early) = step(connect_with_auth(back, &query, &auth)).await?;
    if field(&answer, "sid")? != sid {
        return Err(BenchError::Protocol(format!(
            "session not recovered: {answer}"
        )));
    }
    let is_missed = |text: &[u8]| usize::from(text.starts_with(b"42[\"room\",\"missed-"));
    let mut seen: usize = early.iter().map(|t| is_missed(t)).sum();
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    loop {
        client.handle(|_, text, _| seen += is_missed(text))?;
        if seen >= MISSED {
            break;
        }
        tokio::time::timeout_at(deadline, client.read_some())
            .await
            .map_err(|_| BenchError::Timeout(format!("{seen} of {MISSED} missed events")))??;
    }
    live.latency.record(t0.elapsed());
    Ok(())
}

/// Queues `42["room","<data>"]`, which the server sends to the connection's room.
fn queue_event(conn: &mut WsConn, data: &str) {
    push_text_frame(conn.out(), &[event_text("room", data).as_bytes()]);
}

/// Reads until the copy of the `room` event carrying `data` arrives; returns its offset (the last
/// argument, appended by the server).
async fn last_offset_of(conn: &mut WsConn, data: &str) -> Result<String, BenchError> {
    let prefix = format!("42[\"room\",\"{data}\",\"");
    loop {
        let mut offset = None;
        conn.handle(|_, text, _| {
            if let Some(rest) = text.strip_prefix(prefix.as_bytes()) {
                offset = rest
                    .strip_suffix(b"\"]")
                    .map(|o| String::from_utf8_lossy(o).into_owned());
            }
        })?;
        if let Some(offset) = offset {
            return Ok(offset);
        }
        conn.read_some().await?;
    }
}

/// Reads until `n` more `room` events arrived on the sender (its own copies).
async fn drain(conn: &mut WsConn, n: usize) -> Result<(), BenchError> {
    let mut seen = 0;
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    loop {
        conn.handle(|_, text, _| seen += usize::from(text.starts_with(b"42[\"room\"")))?;
        conn.flush().await?;
        if seen >= n {
            return Ok(());
        }
        tokio::time::timeout_at(deadline, conn.read_some())
            .await
            .map_err(|_| BenchError::Timeout(format!("sender saw {seen} of {n} room events")))??;
    }
}

/// Bounds one step of a cycle by [`STEP_TIMEOUT`].
async fn step<T>(
    fut: impl std::future::Future<Output = Result<T, BenchError>>,
) -> Result<T, BenchError> {
    tokio::time::timeout(STEP_TIMEOUT, fut)
        .await
        .map_err(|_| BenchError::Timeout("recovery step".into()))?
}

/// A string field of the CONNECT answer's JSON object.
fn field(answer: &str, name: &str) -> Result<String, BenchError> {
    serde_json::from_str::<serde_json::Value>(answer)
        .ok()
        .and_then(|v| v.get(name)?.as_str().map(str::to_owned))
        .ok_or_else(|| BenchError::Protocol(format!("no {name} in CONNECT answer {answer}")))
}

/// The streams adapter's default session key prefix (`sessionKeyPrefix`).
const SESSION_KEY_PREFIX: &str = "sio:session:";

/// A connection to the cluster's Redis that tells when a node has stored a session.
struct SessionWatch {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl SessionWatch {
    async fn connect(addr: SocketAddr) -> Result<Self, BenchError> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(SessionWatch {
            stream,
            buf: Vec::with_capacity(16),
        })
    }

    /// Polls `EXISTS sio:session:<pid>` until it answers 1, within [`STEP_TIMEOUT`].
    async fn wait_for_session(&mut self, pid: &str) -> Result<(), BenchError> {
        let key = format!("{SESSION_KEY_PREFIX}{pid}");
        let command = format!("*2\r\n$6\r\nEXISTS\r\n${}\r\n{key}\r\n", key.len());
        let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
        loop {
            self.stream.write_all(command.as_bytes()).await?;
            self.buf.clear();
            while !self.buf.ends_with(b"\r\n") {
                if self.stream.read_buf(&mut self.buf).await? == 0 {
                    return Err(BenchError::Closed);
                }
            }
            match self.buf.as_slice() {
                b":1\r\n" => return Ok(()),
                b":0\r\n" if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(1)).await
                }
                b":0\r\n" => return Err(BenchError::Timeout("session never stored".into())),
                other => {
                    return Err(BenchError::Protocol(format!(
                        "EXISTS answered {}",
                        String::from_utf8_lossy(other)
                    )))
                }
            }
        }
    }
}
