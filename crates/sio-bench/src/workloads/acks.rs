//! W6 acks: each connection keeps `in_flight` emit-with-ack outstanding; the server's handler answers
//! each ack with the data. Acks/s; latency is emit-to-ack.

use super::{measure_fleet, Ctx, Measured};
use crate::error::BenchError;
use crate::fleet::{connect_gate, Fleet};
use crate::{frames, socketio_ws};
use std::sync::Arc;
use std::time::Instant;

/// Ack ids in flight are tracked in a ring this large (well above `in_flight`).
const RING: usize = 256;

/// Runs the ack workload on `ctx.size.clients` connections.
pub async fn run(ctx: &Ctx<'_>) -> Result<Measured, BenchError> {
    let body: Arc<str> =
        frames::ack_event_body("ack", &frames::payload("a:", ctx.size.payload)).into();
    let in_flight = ctx.size.in_flight.min(RING);
    let gate = connect_gate();
    let mut fleet = Fleet::new();
    for i in 0..ctx.size.clients {
        let (body, addr) = (body.clone(), ctx.addr);
        fleet.spawn(
            ctx.cores,
            i,
            &gate,
            move || socketio_ws::connect(addr, ""),
            move |mut conn, live| async move {
                let now = Instant::now();
                let mut acker = Acker {
                    body,
                    sent_at: vec![now; RING],
                    next_id: 0,
                };
                for _ in 0..in_flight {
                    acker.emit(conn.out(), now);
                }
                conn.flush().await?;
                loop {
                    let mut acks = 0;
                    conn.step(|now, text, out| {
                        if let Some(id) = frames::ack_id(text) {
                            acks += 1;
                            live.latency.record(now - acker.sent_at[id as usize % RING]);
                            acker.emit(out, now);
                        }
                    })
                    .await?;
                    live.add_done(acks);
                }
            },
        );
    }
    measure_fleet(ctx, fleet, ctx.size.clients as u64).await
}

/// The emitting side of one connection: ack ids and their send times.
struct Acker {
    body: Arc<str>,
    sent_at: Vec<Instant>,
    next_id: u64,
}

impl Acker {
    /// Appends `42<id>["ack","..."]` to `out` and remembers when.
    fn emit(&mut self, out: &mut Vec<u8>, at: Instant) {
        let mut digits = [0u8; 20];
        let id = frames::decimal(self.next_id, &mut digits);
        frames::push_text_frame(out, &[b"42", id, self.body.as_bytes()]);
        self.sent_at[self.next_id as usize % RING] = at;
        self.next_id += 1;
    }
}
