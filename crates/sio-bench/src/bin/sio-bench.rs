//! `sio-bench`: runs the benchmark workloads against sio and its peers and writes the results.
//!
//! ```text
//! sio-bench all [--smoke] [--out DIR] [--servers sio,ceiling,socketioxide,node] [--workloads w1,w3,...]
//!               [--warmup SECS] [--window SECS] [--runs N] [--threads N] [--in-flight N] [--w8-adapter streams|postgres] [--debug-peer] [--no-md]
//!               [--no-clients]
//! ```

use sio_bench::server_process::ServerPrograms;
use sio_bench::{
    harness, peer_build, report, results_files, targets, Mode, Plan, ServerKind, Timing, Workload,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str =
    "usage: sio-bench all [--smoke] [--out DIR] [--servers LIST] [--workloads LIST] \
[--warmup SECS] [--window SECS] [--runs N] [--threads N] [--in-flight N] [--w8-adapter streams|postgres] [--debug-peer] [--no-md] [--no-clients] \
[--root DIR]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sio-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        Some("all") => {}
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return Ok(());
        }
        Some(other) => return Err(format!("unknown command {other:?}\n{USAGE}")),
    }
    let mut smoke = false;
    let mut out: Option<PathBuf> = None;
    let mut servers = ServerKind::ALL.to_vec();
    let mut workloads = Workload::ALL.to_vec();
    let (mut warmup, mut window, mut runs, mut threads) = (None, None, None, None);
    let mut in_flight = None;
    let mut w8_adapter = None;
    let mut debug_peer = false;
    let mut write_md = true;
    let mut client_side = true;
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--smoke" => smoke = true,
            "--debug-peer" => debug_peer = true,
            "--no-md" => write_md = false,
            "--no-clients" => client_side = false,
            "--out" => out = Some(PathBuf::from(value()?)),
            "--root" => root = PathBuf::from(value()?),
            "--servers" => {
                servers = value()?
                    .split(',')
                    .map(|s| ServerKind::parse(s).ok_or_else(|| format!("unknown server {s:?}")))
                    .collect::<Result<_, _>>()?
            }
            "--workloads" => {
                let list = value()?;
                let wanted: Vec<&str> = list.split(',').collect();
                workloads = Workload::ALL
                    .into_iter()
                    .filter(|w| wanted.iter().any(|f| w.matches(f)))
                    .collect();
                if workloads.is_empty() {
                    return Err(format!("no workload matches {list:?}"));
                }
            }
            "--warmup" => warmup = Some(secs(&value()?)?),
            "--window" => window = Some(secs(&value()?)?),
            "--runs" => runs = Some(value()?.parse::<usize>().map_err(|e| e.to_string())?.max(1)),
            "--w8-adapter" => {
                let v = value()?;
                if v != "streams" && v != "postgres" {
                    return Err(format!("--w8-adapter: streams or postgres, not {v:?}"));
                }
                w8_adapter = Some(v);
            }
            "--in-flight" => {
                in_flight = Some(value()?.parse::<usize>().map_err(|e| e.to_string())?.max(1))
            }
            "--threads" => {
                threads = Some(value()?.parse::<usize>().map_err(|e| e.to_string())?.max(1))
            }
            other => return Err(format!("unknown flag {other:?}\n{USAGE}")),
        }
    }
    let root = root
        .canonicalize()
        .map_err(|e| format!("repository root: {e}"))?;
    let mode = if smoke { Mode::Smoke } else { Mode::Full };
    let mut timing = Timing::of(mode);
    timing.warmup = warmup.unwrap_or(timing.warmup);
    timing.window = window.unwrap_or(timing.window);
    timing.runs = runs.unwrap_or(timing.runs);
    let exe_dir = std::env::current_exe()
        .map_err(|e| e.to_string())?
        .parent()
        .map(Path::to_path_buf)
        .ok_or("no executable directory")?;
    let socketioxide = if servers.contains(&ServerKind::Socketioxide) {
        Some(
            peer_build::build_socketioxide(&root, !(smoke || debug_peer))
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    let rust_socketio_client = if client_side {
        Some(
            peer_build::build_rust_socketio(&root, !(smoke || debug_peer))
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    let plan = Plan {
        mode,
        timing,
        servers: servers.clone(),
        workloads: workloads.clone(),
        programs: ServerPrograms {
            sio: exe_dir.join("sio-bench-server"),
            ceiling: exe_dir.join("ceiling-server"),
            client_echo: exe_dir.join("client-echo"),
            rust_socketio_client,
            socketioxide,
            node_dir: root.join("tests/js"),
        },
        client_side,
        in_flight,
        w8_adapter,
        client_threads: threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    };
    let report = harness::run(&plan).map_err(|e| e.to_string())?;
    let out = out.unwrap_or_else(|| {
        if smoke {
            root.join("target/bench-smoke")
        } else {
            root.join("crates/sio-bench/results")
        }
    });
    let charted = results_files::write_dir(&report, &out).map_err(|e| e.to_string())?;
    println!("{}", report::table(&report));
    println!("{}", targets::targets_table(&report));
    println!("{}", report::clients_table(&report));
    println!("results: {}", out.display());
    let complete = servers.len() == ServerKind::ALL.len()
        && workloads.len() == Workload::ALL.len()
        && in_flight.is_none()
        && plan.w8_adapter.is_none();
    if write_md && !smoke && complete {
        let md = root.join("BENCHMARKS.md");
        let link = charted.then(|| relative_link(&root, &out.join("chart.png")));
        results_files::update_benchmarks_md(&report, &md, link.as_deref())
            .map_err(|e| e.to_string())?;
        println!("updated {}", md.display());
    }
    Ok(())
}

fn secs(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("bad number of seconds {s:?}"))
}

fn relative_link(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
