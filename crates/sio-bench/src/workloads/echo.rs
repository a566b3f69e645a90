//! W3 echo: each connection keeps `in_flight` `echo` events outstanding; the server emits each back.
//! Messages/s counts echoes received; latency is send-to-echo (FIFO per connection). With
//! permessage-deflate (`Ctx::deflate`) the clients offer it and inflate the echoes.

use super::{measure_fleet, Ctx, Measured};
use crate::error::BenchError;
use crate::fleet::{connect_gate, Fleet};
use crate::{frames, socketio_ws};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

/// Distinct payloads each connection cycles through: more than a 32 KiB deflate window holds at 4 KiB.
const PAYLOAD_VARIANTS: u32 = 16;

/// Runs the echo workload on `ctx.size.clients` connections.
pub async fn run(ctx: &Ctx<'_>) -> Result<Measured, BenchError> {
    // Echoes cycle through distinct payloads, so that permessage-deflate compresses each as new text
    // instead of pointing back at the previous identical message (no effect without deflate).
    let variants: Arc<[Vec<u8>]> = (0..PAYLOAD_VARIANTS)
        .map(|k| {
            frames::text_frame(
                frames::event_text("echo", &frames::payload_variant("e:", ctx.size.payload, k))
                    .as_bytes(),
            )
        })
        .collect();
    let in_flight = ctx.size.in_flight;
    let deflate = ctx.deflate;
    let gate = connect_gate();
    let mut fleet = Fleet::new();
    for i in 0..ctx.size.clients {
        let (variants, addr) = (variants.clone(), ctx.addr);
        fleet.spawn(
            ctx.cores,
            i,
            &gate,
            move || async move {
                if deflate {
                    socketio_ws::connect_deflate(addr, "").await
                } else {
                    socketio_ws::connect(addr, "").await
                }
            },
            move |mut conn, live| async move {
                let mut sent = VecDeque::with_capacity(in_flight);
                let mut next = i;
                let now = Instant::now();
                for _ in 0..in_flight {
                    conn.queue(&variants[next % variants.len()]);
                    next += 1;
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
                            out.extend_from_slice(&variants[next % variants.len()]);
                            next += 1;
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
