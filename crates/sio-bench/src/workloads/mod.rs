//! The workload drivers, one file each, sharing the [`Ctx`] they run in (W8 reuses W4's driver over
//! the nodes of a cluster).

pub mod acks;
pub mod broadcast;
pub mod echo;
pub mod echo_webtransport;
pub mod flood;
pub mod handshake;
pub mod idle;
pub mod namespaces;
pub mod polling;
pub mod recovery;
pub mod rooms;

use crate::cores::Cores;
use crate::error::BenchError;
use crate::fleet::Fleet;
use crate::live::Live;
use crate::measure::{self, Probe};
use crate::outcome::Sample;
use crate::progress::{self, Progress};
use crate::workload::{Size, Timing};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// Everything a workload driver needs about the run.
pub struct Ctx<'a> {
    /// The load generator's runtimes.
    pub cores: &'a Cores,
    /// The server under test (the first node of a cluster).
    pub addr: SocketAddr,
    /// Its process id.
    pub pid: u32,
    /// Every node clients are spread over (`[addr]` unless the workload runs on a cluster).
    pub nodes: Vec<SocketAddr>,
    /// The processes whose CPU and memory are measured.
    pub probe: Probe,
    /// The Redis of a cluster workload (W9 watches it for stored sessions).
    pub redis: Option<SocketAddr>,
    /// Clients offer permessage-deflate (the server was started with it on).
    pub deflate: bool,
    /// Workload size.
    pub size: Size,
    /// Warm-up, window, runs.
    pub timing: Timing,
    /// Progress label (`W3 echo 32 B / sio`).
    pub label: String,
    /// Unit of the headline value.
    pub unit: &'static str,
}

/// The measured runs of a workload plus how many connections failed on the way.
#[derive(Debug, Default)]
pub struct Measured {
    /// One sample per measured run.
    pub runs: Vec<Sample>,
    /// Failed connections or handshakes.
    pub failed: u64,
    /// The first failure's message.
    pub first_error: Option<String>,
}

/// Waits for the fleet to connect, opens the start gate, measures the windows and shuts it down.
pub(crate) async fn measure_fleet(
    ctx: &Ctx<'_>,
    fleet: Fleet,
    expected: u64,
) -> Result<Measured, BenchError> {
    let live = fleet.live.clone();
    let connected =
        measure::until_connected(&live, expected, connect_budget(expected), &ctx.label).await;
    if let Err(e) = connected {
        fleet.shutdown().await;
        return Err(BenchError::Timeout(e));
    }
    if live.connected() == 0 {
        let why = first_error(&live).unwrap_or_default();
        fleet.shutdown().await;
        return Err(BenchError::Protocol(format!(
            "no client could connect: {why}"
        )));
    }
    fleet.go();
    let runs = measure::windows(&live, &ctx.probe, ctx.timing, &ctx.label, ctx.unit).await;
    fleet.shutdown().await;
    Ok(Measured {
        runs,
        failed: live.failed(),
        first_error: first_error(&live),
    })
}

/// Generous time for `n` clients to connect on a loaded machine.
pub(crate) fn connect_budget(n: u64) -> std::time::Duration {
    std::time::Duration::from_secs(30 + n / 200)
}

pub(crate) fn first_error(live: &crate::live::Live) -> Option<String> {
    live.first_error.lock().ok().and_then(|e| e.clone())
}

/// A warm-up batch of a fifth of `size.clients` units, then `timing.runs` measured batches of
/// `size.clients` units each, each timed whole (W2 handshakes, W9 recoveries). `batch(live, count)` runs
/// `count` units, recording their latencies and outcomes in `live`; `redis` reads Redis's CPU too.
pub(crate) async fn batches<F, Fut>(ctx: &Ctx<'_>, redis: bool, batch: F) -> Measured
where
    F: Fn(Arc<Live>, u64) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let total = ctx.size.clients as u64;
    batch(Arc::new(Live::default()), (total / 5).max(1)).await;
    let mut measured = Measured::default();
    for run in 1..=ctx.timing.runs {
        let live = Arc::new(Live::default());
        let before = ctx.probe.read();
        let t0 = Instant::now();
        batch(live.clone(), total).await;
        let elapsed = t0.elapsed().as_secs_f64();
        let after = ctx.probe.read();
        let sample = measure::sample(live.done(), elapsed, &before, &after, redis, &live);
        let line = format!(
            "{} run {run}/{}: {:>10.0} {} (p50 {:.0} us, p99 {:.0} us, failed {})",
            ctx.label,
            ctx.timing.runs,
            sample.value,
            ctx.unit,
            sample.p50_us.unwrap_or(0.0),
            sample.p99_us.unwrap_or(0.0),
            live.failed()
        );
        progress::show(Progress::Done(&line));
        measured.failed += live.failed();
        if measured.first_error.is_none() {
            measured.first_error = first_error(&live);
        }
        measured.runs.push(sample);
    }
    measured
}
