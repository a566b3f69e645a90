//! `sio bench`: one workload of sio-bench's load generator against a running server, with a live progress
//! bar and a summary table (or one JSON object).

use crate::cli::{BenchArgs, BenchWorkload};
use crate::failure::Failure;
use indicatif::{ProgressBar, ProgressStyle};
use sio_bench::progress::{self, Progress};
use sio_bench::remote::{self, RemoteOutcome, RemotePlan, RemoteWorkload};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// Runs the workload and prints its result.
pub fn run(args: BenchArgs) -> Result<(), Failure> {
    if !(args.duration > 0.0 && args.duration.is_finite()) {
        return Err(Failure::usage(
            "--duration must be a positive number of seconds",
        ));
    }
    if args.clients == 0 {
        return Err(Failure::usage("--clients must be at least 1"));
    }
    let plan = RemotePlan {
        addr: address(&args.url)?,
        workload: workload(args.workload),
        clients: args.clients,
        duration: Duration::from_secs_f64(args.duration),
        client_threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar.set_message(format!(
        "connecting {} clients to {}",
        plan.clients, plan.addr
    ));
    let shown = bar.clone();
    progress::set_display(move |p| shown.set_message(describe(p)));
    let outcome = remote::run(&plan);
    bar.finish_and_clear();
    let outcome = outcome.map_err(|e| Failure::failed(format!("bench: {e}")))?;
    if args.json {
        let json = serde_json::to_string(&outcome).map_err(|e| Failure::failed(e.to_string()))?;
        println!("{json}");
    } else {
        print!("{}", table(&outcome, &args.url, plan.duration));
    }
    if outcome.value > 0.0 {
        Ok(())
    } else {
        Err(Failure::failed(format!(
            "no {} measured{}",
            outcome.unit,
            outcome
                .first_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        )))
    }
}

/// The socket address of `url` (`http://host:port`, `ws://...`; the path must be the default one).
fn address(url: &str) -> Result<SocketAddr, Failure> {
    let bad = |why: &str| Failure::usage(format!("{url}: {why}"));
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("ws://"))
        .ok_or_else(|| bad("sio bench speaks plain http:// or ws:// (no TLS)"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if !(path.is_empty() || path == "socket.io" || path == "socket.io/") {
        return Err(bad(
            "sio bench uses the main namespace at /socket.io/: give the server's URL without a path",
        ));
    }
    let authority = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    authority
        .to_socket_addrs()
        .map_err(|e| bad(&e.to_string()))?
        .next()
        .ok_or_else(|| bad("no address"))
}

fn workload(w: BenchWorkload) -> RemoteWorkload {
    match w {
        BenchWorkload::Echo => RemoteWorkload::Echo,
        BenchWorkload::Acks => RemoteWorkload::Acks,
        BenchWorkload::Broadcast => RemoteWorkload::Broadcast,
        BenchWorkload::Rooms => RemoteWorkload::Rooms,
        BenchWorkload::Handshakes => RemoteWorkload::Handshakes,
        BenchWorkload::Idle => RemoteWorkload::Idle,
    }
}

/// The progress bar's message for a report.
fn describe(p: &Progress<'_>) -> String {
    match *p {
        Progress::Connecting {
            connected,
            expected,
            failed,
            ..
        } => format!("connecting {connected}/{expected} (failed {failed})"),
        Progress::Rate {
            label,
            rate,
            unit,
            connected,
            failed,
        } => format!("{label}: {rate:.0} {unit} (connected {connected}, failed {failed})"),
        Progress::Done(line) => line.to_owned(),
    }
}

/// The summary table.
fn table(o: &RemoteOutcome, url: &str, duration: Duration) -> String {
    let ms = |us: Option<f64>| us.map_or("-".to_owned(), |us| format!("{:.2} ms", us / 1000.0));
    let rows = [
        ("server", url.to_owned()),
        ("workload", format!("{:?}", o.workload).to_lowercase()),
        ("clients", o.clients.to_string()),
        ("in flight", o.in_flight.to_string()),
        ("duration", format!("{:.1} s", duration.as_secs_f64())),
        ("throughput", format!("{:.0} {}", o.value, o.unit)),
        ("latency p50", ms(o.p50_us)),
        ("latency p99", ms(o.p99_us)),
        ("failed connections", o.failed.to_string()),
        ("generator cores", format!("{:.2}", o.client_cores)),
    ];
    let mut out = String::new();
    for (name, value) in rows {
        out.push_str(&format!("{name:<20} {value}\n"));
    }
    if let Some(e) = &o.first_error {
        out.push_str(&format!("{:<20} {e}\n", "first error"));
    }
    out
}
