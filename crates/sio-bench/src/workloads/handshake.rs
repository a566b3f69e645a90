//! W2 handshake rate: websocket upgrade + Engine.IO open + Socket.IO CONNECT, then close, with a fixed
//! number of handshakes in flight; connections/s.

use super::{batches, Ctx, Measured};
use crate::live::Live;
use crate::socketio_ws;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// A warm-up batch then `timing.runs` batches of `size.clients` handshakes each.
pub async fn run(ctx: &Ctx<'_>) -> Measured {
    batches(ctx, false, |live, count| async move {
        batch(ctx, &live, count).await
    })
    .await
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
