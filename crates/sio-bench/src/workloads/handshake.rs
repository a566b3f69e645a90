//! W2 handshake rate: websocket upgrade + Engine.IO open + Socket.IO CONNECT, then close, with a fixed
//! number of handshakes in flight; connections/s.

use super::{first_error, Ctx, Measured};
use crate::live::Live;
use crate::progress::{self, Progress};
use crate::{measure, socketio_ws};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// A warm-up batch then `timing.runs` batches of `size.clients` handshakes each.
pub async fn run(ctx: &Ctx<'_>) -> Measured {
    let total = ctx.size.clients as u64;
    let warm = Arc::new(Live::default());
    batch(ctx, &warm, (total / 5).max(1)).await;
    let mut measured = Measured::default();
    for run in 1..=ctx.timing.runs {
        let live = Arc::new(Live::default());
        let before = ctx.probe.read();
        let t0 = Instant::now();
        batch(ctx, &live, total).await;
        let elapsed = t0.elapsed().as_secs_f64();
        let after = ctx.probe.read();
        let sample = measure::sample(live.done(), elapsed, &before, &after, false, &live);
        let line = format!(
            "{} run {run}/{}: {:>10.0} conn/s (p99 {:.0} us, failed {})",
            ctx.label,
            ctx.timing.runs,
            sample.value,
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

/// Runs `count` handshakes with `size.in_flight` workers spread over the cores.
async fn batch(ctx: &Ctx<'_>, live: &Arc<Live>, count: u64) {
    let next = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..ctx.size.in_flight)
        .map(|w| {
            let (live, next, addr) = (live.clone(), next.clone(), ctx.addr);
            ctx.cores.spawn(w, async move {
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let t0 = Instant::now();
                    let attempt = tokio::time::timeout(
                        crate::fleet::CONNECT_TIMEOUT,
                        socketio_ws::connect(addr, ""),
                    )
                    .await;
                    match attempt {
                        Ok(Ok(conn)) => {
                            live.latency.record(t0.elapsed());
                            live.add_done(1);
                            drop(conn);
                        }
                        Ok(Err(e)) => live.fail(&e),
                        Err(_) => live.fail(&crate::error::BenchError::Timeout("handshake".into())),
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
}
