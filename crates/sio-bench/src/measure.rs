//! The measuring loop: a warm-up, then timed windows that read the shared counters and the server's
//! `/proc` entry, with a progress line on stderr every second.

use crate::live::Live;
use crate::outcome::Sample;
use crate::proc_stats;
use crate::workload::Timing;
use std::time::{Duration, Instant};

/// Runs the warm-up and `timing.runs` windows over counters that the connection tasks keep updating.
pub async fn windows(
    live: &Live,
    pid: u32,
    timing: Timing,
    label: &str,
    unit: &str,
) -> Vec<Sample> {
    progress_sleep(live, timing.warmup, &format!("{label} warm-up"), unit).await;
    let mut samples = Vec::with_capacity(timing.runs);
    for run in 1..=timing.runs {
        live.latency.reset();
        let before = proc_stats::sample(pid).unwrap_or_default();
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
        let after = proc_stats::sample(pid).unwrap_or_default();
        samples.push(sample(units, elapsed, before, after, live));
    }
    samples
}

/// Builds a sample from counter and `/proc` readings around a measured interval.
pub fn sample(
    units: u64,
    elapsed: f64,
    before: proc_stats::ProcSample,
    after: proc_stats::ProcSample,
    live: &Live,
) -> Sample {
    let cpu = (after.cpu_secs - before.cpu_secs).max(0.0);
    Sample {
        value: units as f64 / elapsed.max(1e-9),
        p50_us: live.latency.quantile_us(0.50),
        p99_us: live.latency.quantile_us(0.99),
        server_cpu_us_per_unit: (units > 0).then(|| cpu * 1e6 / units as f64),
        server_cores: cpu / elapsed.max(1e-9),
        server_rss_kib: after.rss_kib,
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
        eprintln!(
            "  {label}: {rate:>12.0} {unit} (connected {}, failed {})",
            live.connected(),
            live.failed()
        );
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
            eprintln!(
                "  {label}: connecting {}/{n} (failed {})",
                live.connected(),
                live.failed()
            );
            last_print = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
