//! `rust-socketio-bench-client`: rust_socketio (async) under load, for sio's client-side comparison. Same
//! arguments and output as sio-bench's `client-echo`: connects `clients` websocket-only clients, reports the
//! process's RSS growth per client, then keeps `in_flight` `echo` events outstanding on the first `echoing`
//! clients and reports messages/s.
//!
//! Usage: `rust-socketio-bench-client <url> <clients> <echoing> <in_flight> <payload> <warmup-secs> <window-secs>`.
//! Prints one JSON line: `{"rss_per_client_kib":..,"messages_per_sec":..,"cpu_us_per_message":..}`, the
//! last the process's CPU time (user + system) over the window per echo.

use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Payload, TransportType};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg<T: std::str::FromStr>(args: &[String], i: usize, name: &str) -> Result<T, String> {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("argument {i} ({name}) missing or invalid"))
}

/// Resident set size of this process, KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// CPU time (user + system) this process has used, seconds.
fn cpu_secs() -> f64 {
    // SAFETY: an all-zero rusage is a valid value; getrusage only writes the struct passed by pointer.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// A payload of `len` bytes starting with `tag` (as the other load programs make it).
fn payload(tag: &str, len: usize) -> String {
    let mut s = tag.to_owned();
    while s.len() < len {
        s.push((b'a' + (s.len() % 26) as u8) as char);
    }
    s
}

async fn connect(url: &str, data: Arc<String>, count: Arc<AtomicU64>) -> Result<Client, String> {
    ClientBuilder::new(url)
        .transport_type(TransportType::Websocket)
        .reconnect(false)
        .on("echo", move |_: Payload, client: Client| {
            let (data, count) = (data.clone(), count.clone());
            async move {
                count.fetch_add(1, Ordering::Relaxed);
                let _ = client.emit("echo", data.as_str()).await;
            }
            .boxed()
        })
        .connect()
        .await
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> Result<(), String> {
    raise_fd_limit();
    let args: Vec<String> = std::env::args().collect();
    let url: String = arg(&args, 1, "url")?;
    let clients: usize = arg(&args, 2, "clients")?;
    let echoing: usize = arg(&args, 3, "echoing")?;
    let in_flight: usize = arg(&args, 4, "in_flight")?;
    let len: usize = arg(&args, 5, "payload")?;
    let warmup: f64 = arg(&args, 6, "warmup")?;
    let window: f64 = arg(&args, 7, "window")?;
    let data = Arc::new(payload("e:", len));
    let count = Arc::new(AtomicU64::new(0));
    let before = rss_kib();
    let mut sockets = Vec::with_capacity(clients);
    while sockets.len() < clients {
        let batch = (clients - sockets.len()).min(128);
        let connecting = (0..batch).map(|_| connect(&url, data.clone(), count.clone()));
        for socket in futures_util::future::join_all(connecting).await {
            sockets.push(socket?);
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let per_client = rss_kib().saturating_sub(before) as f64 / clients as f64;
    for socket in sockets.iter().take(echoing) {
        for _ in 0..in_flight {
            socket
                .emit("echo", data.as_str())
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    tokio::time::sleep(Duration::from_secs_f64(warmup)).await;
    let c0 = count.load(Ordering::Relaxed);
    let (t0, cpu0) = (Instant::now(), cpu_secs());
    tokio::time::sleep(Duration::from_secs_f64(window)).await;
    let echoes = (count.load(Ordering::Relaxed) - c0) as f64;
    let rate = echoes / t0.elapsed().as_secs_f64();
    let cpu = (cpu_secs() - cpu0) * 1e6 / echoes.max(1.0);
    println!(
        "{{\"rss_per_client_kib\":{per_client:.3},\"messages_per_sec\":{rate:.1},\"cpu_us_per_message\":{cpu:.3}}}"
    );
    std::process::exit(0);
}
