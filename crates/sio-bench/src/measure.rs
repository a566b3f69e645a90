//! The measuring loop: a warm-up, then timed windows that read the shared counters and the `/proc`
//! entries of the servers (and Redis, and the generator itself), with a progress report every second
//! (see [`crate::progress`]).

use crate::live::Live;
use crate::outcome::Sample;
use crate::proc_stats::{self, ProcSample};
use crate::progress::{self, Progress};
use crate::workload::Timing;
use std::time::{Duration, Instant};

/// The processes whose resources a workload reads: the server(s) under test, summed (the nodes of a
/// cluster), and the Redis they share, if any. The generator reads its own process.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    /// Server process ids.
    pub servers: Vec<u32>,
    /// The Redis process id (cluster workloads).
    pub redis: Option<u32>,
}

/// One reading of a [`Probe`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading {
    /// The servers, CPU and RSS summed.
    pub servers: ProcSample,
    /// Redis CPU seconds (0 without Redis).
    pub redis_cpu_secs: f64,
    /// The generator's CPU seconds.
    pub client_cpu_secs: f64,
    /// The whole machine's busy CPU seconds.
    pub machine_cpu_secs: f64,
}

impl Probe {
    /// A probe of one server.
    pub fn server(pid: u32) -> Self {
        Probe {
            servers: vec![pid],
            redis: None,
        }
    }

    /// Reads every process now (a process that is gone counts as zero).
    pub fn read(&self) -> Reading {
        let mut servers = ProcSample::default();
        for &pid in &self.servers {
            let s = proc_stats::sample(pid).unwrap_or_default();
            servers.cpu_secs += s.cpu_secs;
            servers.rss_kib += s.rss_kib;
        }
        let cpu = |pid: Option<u32>| pid.and_then(proc_stats::sample).map_or(0.0, |s| s.cpu_secs);
        Reading {
            servers,
            redis_cpu_secs: cpu(self.redis),
            client_cpu_secs: cpu(Some(std::process::id())),
            machine_cpu_secs: proc_stats::machine_busy_secs().unwrap_or(0.0),
        }
    }
}

/// Runs the warm-up and `timing.runs` windows over counters that the connection tasks keep updating.
pub async fn windows(
    live: &Live,
    probe: &Probe,
    timing: Timing,
    label: &str,
    unit: &str,
) -> Vec<Sample> {
    progress_sleep(live, timing.warmup, &format!("{label} warm-up"), unit).await;
    let mut samples = Vec::with_capacity(timing.runs);
    for run in 1..=timing.runs {
        live.latency.reset();
        let before = probe.read();
        let done0 = live.done();
        let t0 = Instant::now();
        progress_sleep(
            live,
            timing.window,
            &format!("{label} run {run}/{}", timing.runs),
            unit,
        )
        .await;
        let elapsed = t0.elapsed().as_secs_f64();
        let units = live.done() - done0;
        let after = probe.read();
        let s = sample(units, elapsed, &before, &after, probe.redis.is_some(), live);
        let redis_cores =
            (after.redis_cpu_secs - before.redis_cpu_secs).max(0.0) / elapsed.max(1e-9);
        let line = format!(
            "{label} run {run}/{}: {:.0} {unit}; cores busy: server {:.2}{}, generator {:.2}, \
             anything else {:.2}",
            timing.runs,
            s.value,
            s.server_cores,
            if probe.redis.is_some() {
                format!(", redis {redis_cores:.2}")
            } else {
                String::new()
            },
            s.client_cores,
            (s.machine_cores - s.server_cores - redis_cores - s.client_cores).max(0.0)
        );
        progress::show(Progress::Done(&line));
        samples.push(s);
    }
    samples
}

/// Builds a sample from counter and `/proc` readings around a measured interval.
pub fn sample(
    units: u64,
    elapsed: f64,
    before: &Reading,
    after: &Reading,
    redis: bool,
    live: &Live,
) -> Sample {
    let elapsed = elapsed.max(1e-9);
    let cpu = (after.servers.cpu_secs - before.servers.cpu_secs).max(0.0);
    let redis_cpu = (after.redis_cpu_secs - before.redis_cpu_secs).max(0.0);
    let client_cpu = (after.client_cpu_secs - before.client_cpu_secs).max(0.0);
    let machine_cpu = (after.machine_cpu_secs - before.machine_cpu_secs).max(0.0);
    let per_unit = |secs: f64| (units > 0).then(|| secs * 1e6 / units as f64);
    Sample {
        value: units as f64 / elapsed,
        p50_us: live.latency.quantile_us(0.50),
        p99_us: live.latency.quantile_us(0.99),
        server_cpu_us_per_unit: per_unit(cpu),
        server_cores: cpu / elapsed,
        server_rss_kib: after.servers.rss_kib,
        redis_cpu_us_per_unit: if redis { per_unit(redis_cpu) } else { None },
        client_cores: client_cpu / elapsed,
        machine_cores: machine_cpu / elapsed,
    }
}

/// Sleeps for `total`, printing the current rate of `live.done` about once a second.
pub async fn progress_sleep(live: &Live, total: Duration, label: &str, unit: &str) {
    let start = Instant::now();
    let mut last_done = live.done();
    let mut last_t = start;
    while start.elapsed() < total {
        let step = (total - start.elapsed()).min(Duration::from_secs(1));
        tokio::time::sleep(step).await;
        let now = Instant::now();
        let done = live.done();
        let rate = (done - last_done) as f64 / (now - last_t).as_secs_f64().max(1e-9);
        progress::show(Progress::Rate {
            label,
            rate,
            unit,
            connected: live.connected(),
            failed: live.failed(),
        });
        last_done = done;
        last_t = now;
    }
}

/// Waits until `n` connections are up or failed (progress every second); errors after `timeout`.
pub async fn until_connected(
    live: &Live,
    n: u64,
    timeout: Duration,
    label: &str,
) -> Result<(), String> {
    let start = Instant::now();
    let mut last_print = start;
    loop {
        let up = live.connected() + live.failed();
        if up >= n {
            return Ok(());
        }
        if start.elapsed() > timeout {
            return Err(format!(
                "only {} of {n} clients connected after {:?} ({} failed)",
                live.connected(),
                timeout,
                live.failed()
            ));
        }
        if last_print.elapsed() >= Duration::from_secs(1) {
            progress::show(Progress::Connecting {
                label,
                connected: live.connected(),
                expected: n,
                failed: live.failed(),
            });
            last_print = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
