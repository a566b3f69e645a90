//! W4 server-driven: the server broadcasts on its own and the clients only count. One client (the pacer,
//! connected with `?flood=1`) emits `flood` with the payload and a window once; the server then sends
//! `io.emit("flood", payload)` again and again, never more than `window` broadcasts ahead of the count the
//! pacer reports with `flood-ack` (so every queue stays bounded). Unlike W4, no client waits until all the
//! others have a broadcast: each read takes whatever many frames arrived, which leaves the generator the
//! least work per delivery, so the servers' own cost shows. Deliveries/s counts frames received by all
//! clients.
//!
//! W8 server-driven runs the same driver on a cluster: client `i` connects to node `i % nodes`, the pacer
//! (client 0) to the first node, which broadcasts; the other nodes get every broadcast through the adapter.
//! There the pacer reports what the clients received on average rather than its own copies, so that the
//! nodes behind the adapter hold the window back too.

use super::{measure_fleet, Ctx, Measured};
use crate::error::BenchError;
use crate::fleet::{connect_gate, Fleet};
use crate::live::Live;
use crate::ws_conn::WsConn;
use crate::{frames, socketio_ws};
use std::sync::atomic::Ordering;
use std::sync::Arc;

const EVENT: &[u8] = b"42[\"flood\"";

/// Runs the server-driven broadcast workload.
pub async fn run(ctx: &Ctx<'_>) -> Result<Measured, BenchError> {
    let window = ctx.size.in_flight as u64;
    let by_average = ctx.nodes.len() > 1;
    let start: Arc<[u8]> = frames::text_frame(
        format!(
            "42[\"flood\",\"{}\",{window}]",
            frames::payload("f:", ctx.size.payload)
        )
        .as_bytes(),
    )
    .into();
    let gate = connect_gate();
    let mut fleet = Fleet::new();
    for i in 0..ctx.size.clients {
        let (start, addr) = (start.clone(), ctx.nodes[i % ctx.nodes.len()]);
        let query = if i == 0 { "&flood=1" } else { "" };
        fleet.spawn(
            ctx.cores,
            i,
            &gate,
            move || socketio_ws::connect(addr, query),
            move |conn, live| async move {
                if i == 0 {
                    pace(conn, live, &start, window, by_average).await
                } else {
                    count(conn, live).await
                }
            },
        );
    }
    measure_fleet(ctx, fleet, ctx.size.clients as u64).await
}

async fn count(mut conn: WsConn, live: Arc<Live>) -> Result<(), BenchError> {
    loop {
        let mut got = 0;
        conn.step(|_, text, _| got += u64::from(text.starts_with(EVENT)))
            .await?;
        live.add_done(got);
    }
}

/// Starts the flood, then every quarter window reports how many broadcasts arrived: its own copies on one
/// node (the server fills every socket's queue in the same loop), the clients' average on a cluster
/// (`by_average`), woken then by the others' progress too, since its own node is ahead of the others.
async fn pace(
    mut conn: WsConn,
    live: Arc<Live>,
    start: &[u8],
    window: u64,
    by_average: bool,
) -> Result<(), BenchError> {
    conn.queue(start);
    conn.flush().await?;
    let recipients = live.connected().max(1);
    let every = (window / 4).max(1);
    let (mut seen, mut reported) = (0u64, 0u64);
    loop {
        let received = if by_average {
            live.done() / recipients
        } else {
            seen
        };
        if received >= reported + every {
            reported = received;
            frames::push_text_frame(
                conn.out(),
                &[b"42[\"flood-ack\",", reported.to_string().as_bytes(), b"]"],
            );
            conn.flush().await?;
        }
        let mut got = 0;
        if by_average {
            live.threshold
                .store((reported + every) * recipients, Ordering::Relaxed);
            if live.done() / recipients >= reported + every {
                continue;
            }
            // `notify_one` leaves a permit when nobody waits, so a crossing before this point still wakes.
            tokio::select! {
                read = conn.read_some() => {
                    read?;
                    conn.handle(|_, text, _| got += u64::from(text.starts_with(EVENT)))?;
                    conn.flush().await?;
                }
                _ = live.progress.notified() => {}
            }
        } else {
            conn.step(|_, text, _| got += u64::from(text.starts_with(EVENT)))
                .await?;
        }
        live.add_done(got);
        seen += got;
    }
}
