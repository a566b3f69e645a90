//! The scale run: a cluster of server processes on one Redis, every client connected at once by several
//! generator processes (each under the per-process descriptor limit), then one cluster-wide broadcast that
//! must reach all of them. It reports the connect rate, the time from the emit to the last delivery, the
//! nodes' memory and CPU.
//!
//! The coordinator ([`run`]) starts Redis, the nodes and the generators (this binary again, in
//! [`clients`] mode), then emits `broadcast` (the bench contract's `io.emit`) from a client of its own
//! on the first node. Generators and coordinator compare wall-clock times: they run on one machine.

use crate::cores::Cores;
use crate::error::BenchError;
use crate::proc_stats::{self, ProcSample};
use crate::redis_server::RedisServer;
use crate::server_kind::ServerKind;
use crate::server_process::{ServerProcess, ServerPrograms};
use crate::{frames, socketio_ws};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Semaphore;

/// The event every client waits for.
const EVENT: &[u8] = b"42[\"broadcast\"";
/// Handshakes in flight per generator process.
const CONNECTING_AT_ONCE: usize = 64;
/// How long a generator waits for its clients to connect, and then for the broadcast.
const PATIENCE: Duration = Duration::from_secs(180);

/// What to run.
#[derive(Debug, Clone)]
pub struct ScalePlan {
    /// The server kind of every node.
    pub server: ServerKind,
    /// Server processes.
    pub nodes: usize,
    /// Clients in all.
    pub clients: usize,
    /// Generator processes.
    pub generators: usize,
    /// The server programs.
    pub programs: ServerPrograms,
}

/// What a scale run measured.
#[derive(Debug, Clone)]
pub struct ScaleOutcome {
    /// Clients connected at once.
    pub connected: u64,
    /// Clients that could not connect.
    pub failed: u64,
    /// From the first generator's start until every client was connected (or had failed).
    pub connect_secs: f64,
    /// Clients that received the broadcast.
    pub delivered: u64,
    /// From the emit until the last client received it.
    pub broadcast_secs: f64,
    /// Each node's resident memory with every client connected, in KiB.
    pub node_rss_kib: Vec<u64>,
    /// The nodes' CPU time while the clients connected, in seconds (summed).
    pub connect_cpu_secs: f64,
    /// The nodes' CPU time from the emit until the last delivery, in seconds (summed).
    pub broadcast_cpu_secs: f64,
}

/// Runs the scale plan, printing progress on stderr.
pub fn run(plan: &ScalePlan) -> Result<ScaleOutcome, BenchError> {
    crate::rlimit::raise_fd_limit();
    let redis = RedisServer::start()?;
    let args = vec!["--redis".to_string(), redis.url()];
    let nodes = ServerProcess::start_nodes(plan.server, &plan.programs, &args, plan.nodes)?;
    redis.wait_for_cluster(
        plan.nodes,
        plan.server.cluster_uses_pattern(),
        Duration::from_secs(60),
    )?;
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr.to_string()).collect();
    let pids: Vec<u32> = nodes.iter().map(|n| n.pid).collect();
    eprintln!(
        "scale: {} {} nodes on one Redis; {} clients from {} generators",
        plan.nodes, plan.server, plan.clients, plan.generators
    );

    let cpu_before = node_cpu(&pids);
    let started = Instant::now();
    let (tx, rx) = mpsc::channel();
    let mut generators = Vec::new();
    for g in 0..plan.generators {
        let count =
            plan.clients / plan.generators + usize::from(g < plan.clients % plan.generators);
        let mut child = Command::new(std::env::current_exe()?)
            .args([
                "clients",
                "--nodes",
                &addrs.join(","),
                "--count",
                &count.to_string(),
                "--offset",
                &g.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| BenchError::Server("generator stdout".into()))?;
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        generators.push(Generators(child));
    }
    let (mut connected, mut failed) = (0, 0);
    for _ in 0..plan.generators {
        let line = next_line(&rx, "connected")?;
        let mut f = line
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse::<u64>().unwrap_or(0));
        connected += f.next().unwrap_or(0);
        failed += f.next().unwrap_or(0);
    }
    let connect_secs = started.elapsed().as_secs_f64();
    let cpu_connected = node_cpu(&pids);
    let node_rss_kib = pids
        .iter()
        .map(|p| proc_stats::sample(*p).map_or(0, |s| s.rss_kib))
        .collect();
    eprintln!("scale: {connected} connected ({failed} failed) in {connect_secs:.1} s");

    let emitted = emit_broadcast(nodes[0].addr)?;
    let (mut delivered, mut last) = (0, emitted);
    for _ in 0..plan.generators {
        let line = next_line(&rx, "delivered")?;
        let mut f = line
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse::<u64>().unwrap_or(0));
        delivered += f.next().unwrap_or(0);
        last = last.max(f.next().unwrap_or(0));
    }
    let cpu_after = node_cpu(&pids);
    drop(generators);
    Ok(ScaleOutcome {
        connected,
        failed,
        connect_secs,
        delivered,
        broadcast_secs: (last - emitted) as f64 / 1e9,
        node_rss_kib,
        connect_cpu_secs: cpu_connected - cpu_before,
        broadcast_cpu_secs: cpu_after - cpu_connected,
    })
}

/// The generator processes; killed when dropped.
struct Generators(Child);

impl Drop for Generators {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn next_line(rx: &mpsc::Receiver<String>, what: &str) -> Result<String, BenchError> {
    loop {
        let line = rx
            .recv_timeout(PATIENCE + Duration::from_secs(30))
            .map_err(|_| BenchError::Timeout(format!("a generator said nothing about {what}")))?;
        if line.starts_with(what) {
            return Ok(line);
        }
    }
}

/// The nodes' CPU time so far, summed, in seconds.
fn node_cpu(pids: &[u32]) -> f64 {
    pids.iter()
        .filter_map(|p| proc_stats::sample(*p))
        .map(|s: ProcSample| s.cpu_secs)
        .sum()
}

fn unix_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// Connects to `addr` and emits `broadcast`; returns when it was written, in Unix nanoseconds.
fn emit_broadcast(addr: SocketAddr) -> Result<u64, BenchError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut conn = socketio_ws::connect(addr, "").await?;
        let at = unix_nanos();
        conn.queue(&frames::text_frame(
            frames::event_text("broadcast", "scale").as_bytes(),
        ));
        conn.flush().await?;
        // Stay connected until the event comes back: the emit has then left this client for sure.
        tokio::time::timeout(PATIENCE, async {
            loop {
                let mut got = false;
                conn.step(|_, text, _| got |= text.starts_with(EVENT))
                    .await?;
                if got {
                    return Ok::<_, BenchError>(());
                }
            }
        })
        .await
        .map_err(|_| BenchError::Timeout("the broadcast did not come back".into()))??;
        Ok(at)
    })
}

/// Generator mode: connects `count` clients, client `i` to node `(offset + i) % nodes`, prints
/// `connected N FAILED` once every attempt ended, then `delivered N LAST_UNIX_NANOS` once every connected
/// client received the broadcast (or [`PATIENCE`] passed).
pub fn clients(nodes: &[SocketAddr], count: usize, offset: usize) -> Result<(), BenchError> {
    crate::rlimit::raise_fd_limit();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cores = Cores::new(threads)?;
    let gate = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let counts = Arc::new(Counts::default());
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        let addr = nodes[(offset + i) % nodes.len()];
        let (gate, counts) = (gate.clone(), counts.clone());
        tasks.push(cores.spawn(i, async move {
            let conn = {
                let Ok(_permit) = gate.acquire().await else {
                    return;
                };
                tokio::time::timeout(Duration::from_secs(60), socketio_ws::connect(addr, "")).await
            };
            let Ok(Ok(mut conn)) = conn else {
                counts.failed.fetch_add(1, Ordering::Relaxed);
                return;
            };
            counts.connected.fetch_add(1, Ordering::Relaxed);
            loop {
                let mut got = false;
                if conn
                    .step(|_, text, _| got |= text.starts_with(EVENT))
                    .await
                    .is_err()
                {
                    return;
                }
                if got {
                    counts.last.fetch_max(unix_nanos(), Ordering::Relaxed);
                    counts.delivered.fetch_add(1, Ordering::Relaxed);
                    // Stay connected (answering pings) until the generator exits.
                    while conn.step(|_, _, _| {}).await.is_ok() {}
                    return;
                }
            }
        }));
    }
    let deadline = Instant::now() + PATIENCE;
    let ended = |c: &Counts| c.connected.load(Ordering::Relaxed) + c.failed.load(Ordering::Relaxed);
    while ended(&counts) < count as u64 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let connected = counts.connected.load(Ordering::Relaxed);
    println!(
        "connected {connected} {}",
        counts.failed.load(Ordering::Relaxed)
    );
    let deadline = Instant::now() + PATIENCE;
    while counts.delivered.load(Ordering::Relaxed) < connected && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "delivered {} {}",
        counts.delivered.load(Ordering::Relaxed),
        counts.last.load(Ordering::Relaxed)
    );
    // The coordinator ends this process; the clients stay connected meanwhile.
    std::thread::sleep(PATIENCE);
    drop(tasks);
    Ok(())
}

#[derive(Default)]
struct Counts {
    connected: AtomicU64,
    failed: AtomicU64,
    delivered: AtomicU64,
    last: AtomicU64,
}
