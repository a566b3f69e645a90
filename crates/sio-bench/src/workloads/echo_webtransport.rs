//! W3 over WebTransport: the echo workload (`echo` events, `in_flight` outstanding per connection) on
//! WebTransport sessions instead of websockets, to set the two transports side by side on sio.

use super::{measure_fleet, Ctx, Measured};
use crate::error::BenchError;
use crate::fleet::{connect_gate, Fleet};
use crate::frames;
use crate::wt_conn::{self, WtConn};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

/// Runs the echo workload on `ctx.size.clients` WebTransport connections.
pub async fn run(ctx: &Ctx<'_>) -> Result<Measured, BenchError> {
    let event: Arc<[u8]> = wt_conn::frame(&frames::event_text(
        "echo",
        &frames::payload("e:", ctx.size.payload),
    ))
    .into();
    let in_flight = ctx.size.in_flight;
    let gate = connect_gate();
    let mut fleet = Fleet::new();
    for i in 0..ctx.size.clients {
        let (event, addr) = (event.clone(), ctx.addr);
        fleet.spawn(
            ctx.cores,
            i,
            &gate,
            move || WtConn::connect(addr),
            move |mut conn, live| async move {
                let mut sent = VecDeque::with_capacity(in_flight);
                let now = Instant::now();
                for _ in 0..in_flight {
                    conn.queue(&event);
                    sent.push_back(now);
                }
                conn.flush().await?;
                loop {
                    let mut echoes = 0;
                    conn.step(|now, text, out| {
                        if text.starts_with(b"42") {
                            echoes += 1;
                            if let Some(t0) = sent.pop_front() {
                                live.latency.record(now - t0);
                            }
                            out.extend_from_slice(&event);
                            sent.push_back(now);
                        }
                    })
                    .await?;
                    live.add_done(echoes);
                }
            },
        );
    }
    measure_fleet(ctx, fleet, ctx.size.clients as u64).await
}
