//! W1 idle memory: websocket clients connected to `/` doing nothing; server RSS growth per connection.

use super::{connect_budget, first_error, Ctx};
use crate::error::BenchError;
use crate::fleet::{connect_gate, Fleet};
use crate::outcome::Sample;
use crate::progress::{self, Progress};
use crate::{measure, proc_stats, socketio_ws};
use std::time::Duration;

/// One run on a freshly started server: connect 1% of the clients (so one-time start-up allocations are
/// not counted), read RSS, connect the rest, let the server settle, read RSS again.
pub async fn run_once(ctx: &Ctx<'_>) -> Result<(Sample, u64, Option<String>), BenchError> {
    let n = ctx.size.clients;
    let base = (n / 100).max(1);
    let settle = if n >= 1000 {
        Duration::from_secs(2)
    } else {
        Duration::from_millis(300)
    };
    let gate = connect_gate();
    let mut fleet = Fleet::new();
    let live = fleet.live.clone();
    let addr = ctx.addr;
    let spawn = |fleet: &mut Fleet, i: usize| {
        fleet.spawn(
            ctx.cores,
            i,
            &gate,
            move || socketio_ws::connect(addr, ""),
            |mut conn, _| async move {
                loop {
                    conn.step(|_, _, _| {}).await?;
                }
            },
        );
    };
    for i in 0..base {
        spawn(&mut fleet, i);
    }
    fleet.go();
    let waited =
        measure::until_connected(&live, base as u64, connect_budget(base as u64), &ctx.label).await;
    if let Err(e) = waited {
        fleet.shutdown().await;
        return Err(BenchError::Timeout(e));
    }
    tokio::time::sleep(settle).await;
    let before =
        proc_stats::sample(ctx.pid).ok_or_else(|| BenchError::Server("server exited".into()))?;
    for i in base..n {
        spawn(&mut fleet, i);
    }
    let waited =
        measure::until_connected(&live, n as u64, connect_budget(n as u64), &ctx.label).await;
    if let Err(e) = waited {
        fleet.shutdown().await;
        return Err(BenchError::Timeout(e));
    }
    tokio::time::sleep(settle).await;
    let after =
        proc_stats::sample(ctx.pid).ok_or_else(|| BenchError::Server("server exited".into()))?;
    let added = live.connected().saturating_sub(base as u64).max(1);
    let per_conn = after.rss_kib.saturating_sub(before.rss_kib) as f64 / added as f64;
    progress::show(Progress::Done(&format!(
        "{}: {per_conn:.2} KiB/conn ({} connected, {} failed)",
        ctx.label,
        live.connected(),
        live.failed()
    )));
    let failed = live.failed();
    let error = first_error(&live);
    fleet.shutdown().await;
    let sample = Sample {
        value: per_conn,
        server_rss_kib: after.rss_kib,
        ..Sample::default()
    };
    Ok((sample, failed, error))
}
