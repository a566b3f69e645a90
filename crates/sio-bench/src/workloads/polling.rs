//! W7 polling: polling-only clients, each with one `echo` event in flight: the POST carries the event,
//! the long-poll GET brings the echo back. Events/s counts echoes; the server's CPU per event is read
//! from `/proc`.

use super::{measure_fleet, Ctx, Measured};
use crate::error::BenchError;
use crate::fleet::{connect_gate, Fleet};
use crate::frames;
use crate::polling_conn::{packets, PollingConn};
use bytes::Bytes;
use std::time::Instant;

/// Runs the polling workload.
pub async fn run(ctx: &Ctx<'_>) -> Result<Measured, BenchError> {
    let echo = Bytes::from(frames::event_text(
        "echo",
        &frames::payload("p:", ctx.size.payload),
    ));
    let gate = connect_gate();
    let mut fleet = Fleet::new();
    for i in 0..ctx.size.clients {
        let (echo, addr) = (echo.clone(), ctx.addr);
        fleet.spawn(
            ctx.cores,
            i,
            &gate,
            move || PollingConn::connect(addr),
            move |mut conn, live| async move {
                let mut outgoing = Some(echo.clone());
                let mut sent_at = Instant::now();
                loop {
                    let body = conn.exchange(outgoing.take()).await?;
                    let now = Instant::now();
                    let (mut echoes, mut pinged) = (0, false);
                    for packet in packets(&body) {
                        if packet.starts_with(b"42") {
                            echoes += 1;
                        } else if packet == b"2" {
                            pinged = true;
                        } else if packet.first() == Some(&b'1') {
                            return Err(BenchError::Closed);
                        }
                    }
                    if echoes > 0 {
                        live.latency.record(now - sent_at);
                        live.add_done(echoes);
                        sent_at = now;
                    }
                    outgoing = match (echoes > 0, pinged) {
                        (true, true) => Some(Bytes::from([echo.as_ref(), b"\x1e3"].concat())),
                        (true, false) => Some(echo.clone()),
                        (false, true) => Some(Bytes::from_static(b"3")),
                        (false, false) => None,
                    };
                }
            },
        );
    }
    measure_fleet(ctx, fleet, ctx.size.clients as u64).await
}
