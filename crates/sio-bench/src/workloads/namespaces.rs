//! W10 namespaces: `clients` connections spread over [`NAMESPACES`] namespaces (`/ns/0` ... `/ns/99`,
//! dynamic on every server), each keeping `in_flight` `echo` events outstanding on its namespace; the
//! server emits each back on the same namespace. Messages/s counts echoes received; latency is
//! send-to-echo.

use super::{measure_fleet, Ctx, Measured};
use crate::error::BenchError;
use crate::fleet::{connect_gate, Fleet};
use crate::{frames, socketio_ws};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

/// Namespaces the clients are spread over.
pub const NAMESPACES: usize = 100;

/// Runs the namespaces workload.
pub async fn run(ctx: &Ctx<'_>) -> Result<Measured, BenchError> {
    let payload = frames::payload("n:", ctx.size.payload);
    let in_flight = ctx.size.in_flight;
    let gate = connect_gate();
    let mut fleet = Fleet::new();
    for i in 0..ctx.size.clients {
        let nsp = format!("/ns/{}", i % NAMESPACES);
        let frame: Arc<[u8]> =
            frames::text_frame(format!("42{nsp},[\"echo\",\"{payload}\"]").as_bytes()).into();
        let echo: Arc<[u8]> = format!("42{nsp},[\"echo\"").into_bytes().into();
        let addr = ctx.addr;
        fleet.spawn(
            ctx.cores,
            i,
            &gate,
            move || async move { socketio_ws::connect_nsp(addr, &nsp).await },
            move |mut conn, live| async move {
                let mut sent = VecDeque::with_capacity(in_flight);
                let now = Instant::now();
                for _ in 0..in_flight {
                    conn.queue(&frame);
                    sent.push_back(now);
                }
                conn.flush().await?;
                loop {
                    let mut echoes = 0;
                    conn.step(|now, text, out| {
                        if text.starts_with(&echo) {
                            echoes += 1;
                            if let Some(t0) = sent.pop_front() {
                                live.latency.record(now - t0);
                            }
                            out.extend_from_slice(&frame);
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
