//! W4 broadcast: `clients` connections; one of them triggers `broadcast` events that the server sends to
//! everyone with `io.emit`, keeping `in_flight` broadcasts outstanding (a broadcast is complete when
//! every client received it). Deliveries/s counts frames received by all clients.
//!
//! W8 runs the same driver on a cluster: client `i` connects to node `i % nodes`, so the clients are
//! spread evenly and the trigger (client 0) emits on the first node; the other nodes get each broadcast
//! through the Redis adapter.

use super::{measure_fleet, Ctx, Measured};
use crate::error::BenchError;
use crate::fleet::{connect_gate, Fleet};
use crate::live::Live;
use crate::ws_conn::WsConn;
use crate::{frames, socketio_ws};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

const EVENT: &[u8] = b"42[\"broadcast\"";

/// Runs the broadcast workload.
pub async fn run(ctx: &Ctx<'_>) -> Result<Measured, BenchError> {
    let frame: Arc<[u8]> = frames::text_frame(
        frames::event_text("broadcast", &frames::payload("b:", ctx.size.payload)).as_bytes(),
    )
    .into();
    let window = ctx.size.in_flight as u64;
    let gate = connect_gate();
    let mut fleet = Fleet::new();
    for i in 0..ctx.size.clients {
        let (frame, addr) = (frame.clone(), ctx.nodes[i % ctx.nodes.len()]);
        fleet.spawn(
            ctx.cores,
            i,
            &gate,
            move || socketio_ws::connect(addr, ""),
            move |conn, live| async move {
                if i == 0 {
                    trigger(conn, live, &frame, window).await
                } else {
                    receive(conn, live).await
                }
            },
        );
    }
    measure_fleet(ctx, fleet, ctx.size.clients as u64).await
}

async fn receive(mut conn: WsConn, live: Arc<Live>) -> Result<(), BenchError> {
    loop {
        let mut got = 0;
        conn.step(|_, text, _| got += u64::from(text.starts_with(EVENT)))
            .await?;
        live.add_done(got);
    }
}

/// Sends a new broadcast whenever fewer than `window` are incomplete, while also receiving its own copies.
async fn trigger(
    mut conn: WsConn,
    live: Arc<Live>,
    frame: &[u8],
    window: u64,
) -> Result<(), BenchError> {
    let recipients = live.connected().max(1);
    let mut sent: u64 = 0;
    loop {
        let completed = live.done() / recipients;
        while sent < completed + window {
            conn.queue(frame);
            sent += 1;
        }
        conn.flush().await?;
        let wake_at = (sent + 1 - window) * recipients;
        live.threshold.store(wake_at, Ordering::Relaxed);
        if live.done() >= wake_at {
            continue;
        }
        tokio::select! {
            read = conn.read_some() => {
                read?;
                let mut got = 0;
                conn.handle(|_, text, _| got += u64::from(text.starts_with(EVENT)))?;
                conn.flush().await?;
                live.add_done(got);
            }
            _ = live.progress.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
