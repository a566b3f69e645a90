//! `client-echo`: sio-client under load, for the client-side comparison. Connects `clients` websocket-only
//! sockets (one Engine.IO connection each), reports the process's RSS growth per client, then keeps
//! `in_flight` `echo` events outstanding on the first `echoing` sockets and reports messages/s.
//!
//! Usage: `client-echo <url> <clients> <echoing> <in_flight> <payload> <warmup-secs> <window-secs>`.
//! Prints one JSON line: `{"rss_per_client_kib":..,"messages_per_sec":..,"cpu_us_per_message":..}`, the
//! last the process's CPU time (user + system) over the window per echo.

use sio_client::{Options, Socket, TransportKind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg<T: std::str::FromStr>(args: &[String], i: usize, name: &str) -> Result<T, String> {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("argument {i} ({name}) missing or invalid"))
}

fn rss_kib() -> u64 {
    sio_bench::proc_stats::sample(std::process::id()).map_or(0, |s| s.rss_kib)
}

fn cpu_secs() -> f64 {
    sio_bench::proc_stats::sample(std::process::id()).map_or(0.0, |s| s.cpu_secs)
}

fn main() -> Result<(), String> {
    sio_bench::rlimit::raise_fd_limit();
    let args: Vec<String> = std::env::args().collect();
    let url: String = arg(&args, 1, "url")?;
    let clients: usize = arg(&args, 2, "clients")?;
    let echoing: usize = arg(&args, 3, "echoing")?;
    let in_flight: usize = arg(&args, 4, "in_flight")?;
    let payload: usize = arg(&args, 5, "payload")?;
    let warmup: f64 = arg(&args, 6, "warmup")?;
    let window: f64 = arg(&args, 7, "window")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let before = rss_kib();
        let opts = Options::default()
            .transports(vec![TransportKind::WebSocket])
            .reconnection(false)
            .force_new(true);
        let mut sockets: Vec<Socket> = Vec::with_capacity(clients);
        for chunk in (0..clients).collect::<Vec<_>>().chunks(128) {
            let mut batch = Vec::new();
            for _ in chunk {
                let socket = sio_client::io(&url, opts.clone()).map_err(|e| e.to_string())?;
                batch.push(socket);
            }
            for socket in &batch {
                tokio::time::timeout(Duration::from_secs(30), socket.connect())
                    .await
                    .map_err(|_| "connect timed out".to_owned())?
                    .map_err(|e| e.to_string())?;
            }
            sockets.extend(batch);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let per_client = rss_kib().saturating_sub(before) as f64 / clients.max(1) as f64;
        let count = Arc::new(AtomicU64::new(0));
        let data = sio_bench::frames::payload("e:", payload);
        for socket in sockets.iter().take(echoing) {
            let (s, count, echoed) = (socket.clone(), count.clone(), data.clone());
            socket.on("echo", move |_event| {
                count.fetch_add(1, Ordering::Relaxed);
                let _ = s.emit("echo", &echoed);
            });
            for _ in 0..in_flight {
                socket.emit("echo", &data).map_err(|e| e.to_string())?;
            }
        }
        tokio::time::sleep(Duration::from_secs_f64(warmup)).await;
        let (c0, t0, cpu0) = (count.load(Ordering::Relaxed), Instant::now(), cpu_secs());
        tokio::time::sleep(Duration::from_secs_f64(window)).await;
        let echoes = (count.load(Ordering::Relaxed) - c0) as f64;
        let rate = echoes / t0.elapsed().as_secs_f64();
        let cpu = (cpu_secs() - cpu0) * 1e6 / echoes.max(1.0);
        println!(
            "{{\"rss_per_client_kib\":{per_client:.3},\"messages_per_sec\":{rate:.1},\"cpu_us_per_message\":{cpu:.3}}}"
        );
        Ok::<(), String>(())
    })?;
    // Do not wait for the sockets' graceful close: the harness only needs the line above.
    std::process::exit(0);
}
