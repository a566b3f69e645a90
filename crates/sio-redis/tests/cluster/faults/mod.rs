//! Faults, with nothing lost (issue 11): Redis restarted in the middle of traffic with the streams adapter, a
//! node stopped (SIGTERM) or killed (SIGKILL) under clients using connection state recovery, and PostgreSQL
//! restarted with the postgres adapter. Each test sends numbered broadcasts, states what was sent, what
//! arrived where, and asserts what the adapter guarantees: nothing accepted is lost (or, where the backend
//! keeps nothing, exactly what was lost and why), nothing arrives twice, everything in order.
//!
//! The Rust sender of the Redis and PostgreSQL tests runs in this process, so that the outcome of each
//! broadcast (`Ok`: published; `Err`: refused) is known; the other nodes are processes, Rust and Node.

mod node_away;
mod postgres_restart;
mod redis_restart;

use crate::client::Client;
use crate::common::{eventually, with_timeout, within, PostgresServer, RedisServer, Reply};
use crate::nodes::{start, Kind, Node, NodeRedis, Rust};
use sio_client::{Options, Socket, TransportKind};
use sio_protocol::{value, Value};
use sio_redis::{streams_adapter, RedisConnection, RedisTarget, StreamsAdapterOptions};
use sio_server::adapter::AdapterFactory;
use sio_server::engine::EngineServer;
use sio_server::{Server, ServerConfig};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// The pace of the numbered broadcasts.
const TICK_EVERY: Duration = Duration::from_millis(20);
/// How many broadcasts must be accepted before a fault, and after the backend is back.
const BEFORE: usize = 25;
const AFTER: usize = 25;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------------------------------------
// Numbered broadcasts and what arrived

/// What the sender did with each number, in order: `Ok` if the broadcast was published, `Err` if the
/// adapter refused it (the backend was away), and how long the call took.
#[derive(Default)]
struct SendLog(Vec<(u64, Result<(), String>, Duration)>);

impl SendLog {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn accepted(&self) -> Vec<u64> {
        self.0
            .iter()
            .filter(|(_, r, _)| r.is_ok())
            .map(|(n, ..)| *n)
            .collect()
    }

    fn refused(&self) -> Vec<u64> {
        self.0
            .iter()
            .filter(|(_, r, _)| r.is_err())
            .map(|(n, ..)| *n)
            .collect()
    }

    fn accepted_from(&self, n: u64) -> usize {
        self.0
            .iter()
            .filter(|(m, r, _)| *m >= n && r.is_ok())
            .count()
    }

    /// The slowest acceptance and refusal, and one of the errors.
    fn refusals(&self) -> String {
        let slowest = |ok: bool| {
            self.0
                .iter()
                .filter(|(_, r, _)| r.is_ok() == ok)
                .map(|(.., d)| *d)
                .max()
        };
        let error = self.0.iter().find_map(|(_, r, _)| r.clone().err());
        format!(
            "slowest acceptance {:?}, slowest refusal {:?}, error {error:?}",
            slowest(true),
            slowest(false)
        )
    }
}

/// A task broadcasting `tick n` (n = 0, 1, ...) to every client of `/` on `io`, one after the other every
/// [`TICK_EVERY`], logging each outcome, until `stop`.
fn send_ticks(io: Server, log: Arc<Mutex<SendLog>>, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let started = Instant::now();
            let sent = io
                .sockets()
                .broadcast()
                .emit_args("tick", vec![Value::from(n)])
                .await
                .map_err(|e| e.to_string());
            lock(&log).0.push((n, sent, started.elapsed()));
            n += 1;
            tokio::time::sleep(TICK_EVERY).await;
        }
    })
}

/// Waits up to `limit` until `check(log)` holds; panics with `what` otherwise.
async fn wait_log(
    log: &Mutex<SendLog>,
    limit: Duration,
    what: &str,
    check: impl Fn(&SendLog) -> bool,
) {
    let done = eventually(limit, || async { check(&lock(log)) }).await;
    let log = lock(log);
    assert!(
        done,
        "{what} within {limit:?}: {} sent, {} accepted, {}",
        log.len(),
        log.accepted().len(),
        log.refusals()
    );
}

/// The numbers of the `tick`s `client` received until it got `last` (or `limit` passed), and of any
/// `tick` that came in the 300 ms after (a duplicate would).
async fn ticks_until(client: &mut Client, last: u64, limit: Duration) -> Vec<u64> {
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    while let Some(args) = client
        .next("tick", deadline.saturating_duration_since(Instant::now()))
        .await
    {
        let n = tick_number(&args);
        got.push(n);
        if n >= last {
            break;
        }
    }
    for (event, args) in client.drain(Duration::from_millis(300)).await {
        if event == "tick" {
            got.push(tick_number(&args));
        }
    }
    got
}

fn tick_number(args: &[Value]) -> u64 {
    args.first()
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("a tick without its number: {args:?}"))
}

/// What one client received, against what was sent.
struct Received<'a> {
    node: &'a str,
    got: &'a [u64],
}

impl Received<'_> {
    /// Each number at most once, in the order sent.
    fn assert_in_order_once(&self) {
        let duplicated = self.duplicated();
        assert!(
            duplicated.is_empty(),
            "{}: duplicated {duplicated:?} (received {:?})",
            self.node,
            self.got
        );
        assert!(
            self.got.windows(2).all(|w| w[0] < w[1]),
            "{}: out of order: {:?}",
            self.node,
            self.got
        );
    }

    fn duplicated(&self) -> Vec<u64> {
        let mut seen = std::collections::BTreeSet::new();
        self.got
            .iter()
            .filter(|n| !seen.insert(**n))
            .copied()
            .collect()
    }

    /// Those of `expected` that did not arrive.
    fn missing(&self, expected: &[u64]) -> Vec<u64> {
        expected
            .iter()
            .filter(|n| !self.got.contains(n))
            .copied()
            .collect()
    }

    /// Those of `among` that arrived.
    fn arrived(&self, among: &[u64]) -> Vec<u64> {
        among
            .iter()
            .filter(|n| self.got.contains(n))
            .copied()
            .collect()
    }
}

/// A Rust node in this process on `factory`, serving the contract; (server, listener, url).
async fn in_process_node(factory: Arc<dyn AdapterFactory>) -> (Server, EngineServer, String) {
    let io = Server::new(ServerConfig::default().adapter(factory));
    crate::contract::register(&io);
    let server = io.listen(("127.0.0.1", 0)).await.expect("listen");
    let url = format!("http://127.0.0.1:{}", server.local_addr().port());
    (io, server, url)
}

/// Waits until every client's node counts `n` servers.
async fn wait_server_count(clients: &[Client], n: u64, limit: Duration, what: &str) {
    for (i, c) in clients.iter().enumerate() {
        let counted = eventually(limit, || async {
            c.call("server-count", Value::Null).await.as_u64() == Some(n)
        })
        .await;
        let last = c.call("server-count", Value::Null).await;
        assert!(counted, "{what}: node {i} counts {last:?} servers, not {n}");
    }
}
