//! W5 rooms: clients in rooms of 10 (joined through the `room` query parameter), each emitting a `room`
//! event that the server sends to the whole room (sender included) with one emit in flight per client.
//! Deliveries/s counts frames received; latency is emit-to-own-copy.

use super::{measure_fleet, Ctx, Measured};
use crate::error::BenchError;
use crate::fleet::{connect_gate, Fleet};
use crate::{frames, socketio_ws};
use std::time::Instant;

/// Clients per room.
pub const ROOM_SIZE: usize = 10;

/// Runs the rooms workload.
pub async fn run(ctx: &Ctx<'_>) -> Result<Measured, BenchError> {
    let gate = connect_gate();
    let mut fleet = Fleet::new();
    let payload_len = ctx.size.payload;
    for i in 0..ctx.size.clients {
        let addr = ctx.addr;
        let query = format!("&room=r{}", i / ROOM_SIZE);
        let own = frames::event_text("room", &frames::payload(&format!("c{i}:"), payload_len));
        fleet.spawn(
            ctx.cores,
            i,
            &gate,
            move || async move { socketio_ws::connect(addr, &query).await },
            move |mut conn, live| async move {
                let frame = frames::text_frame(own.as_bytes());
                let mut sent_at = Instant::now();
                conn.queue(&frame);
                conn.flush().await?;
                loop {
                    let mut got = 0;
                    conn.step(|now, text, out| {
                        if text.starts_with(b"42") {
                            got += 1;
                            if text == own.as_bytes() {
                                live.latency.record(now - sent_at);
                                out.extend_from_slice(&frame);
                                sent_at = now;
                            }
                        }
                    })
                    .await?;
                    live.add_done(got);
                }
            },
        );
    }
    measure_fleet(ctx, fleet, ctx.size.clients as u64).await
}
