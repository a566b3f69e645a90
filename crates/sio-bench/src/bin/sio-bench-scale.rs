//! `sio-bench-scale`: the scale run of BENCHMARKS.md (see `sio_bench::scale`).
//!
//! ```text
//! sio-bench-scale [--server sio|node] [--nodes 6] [--clients 100000] [--generators 6]
//! ```
//!
//! Needs a release build of `sio-bench-server` beside it (and `tests/js` installed for Node), and
//! `redis-server` on the PATH.

use sio_bench::scale::{self, ScalePlan};
use sio_bench::server_process::ServerPrograms;
use sio_bench::ServerKind;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str =
    "usage: sio-bench-scale [--server sio|node] [--nodes N] [--clients N] [--generators N]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sio-bench-scale: {e}");
            ExitCode::FAILURE
        }
    }
}

fn number(v: Result<String, String>) -> Result<usize, String> {
    v?.parse::<usize>()
        .map_err(|e| e.to_string())
        .and_then(|n| {
            if n == 0 {
                Err("must be positive".into())
            } else {
                Ok(n)
            }
        })
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut args = args.into_iter().peekable();
    if args.peek().map(String::as_str) == Some("clients") {
        args.next();
        return generator(args.collect());
    }
    let (mut server, mut nodes, mut clients, mut generators) = (ServerKind::Sio, 6, 100_000, 6);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => {
                let v = value()?;
                server = ServerKind::parse(&v)
                    .filter(|k| k.supports_cluster())
                    .ok_or_else(|| format!("--server: sio, node or socketioxide, not {v:?}"))?;
            }
            "--nodes" => nodes = number(value())?,
            "--clients" => clients = number(value())?,
            "--generators" => generators = number(value())?,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown flag {other:?}\n{USAGE}")),
        }
    }
    let exe_dir = std::env::current_exe()
        .map_err(|e| e.to_string())?
        .parent()
        .map(Path::to_path_buf)
        .ok_or("no executable directory")?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let socketioxide = if server == ServerKind::Socketioxide {
        Some(sio_bench::peer_build::build_socketioxide(&root, true).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let plan = ScalePlan {
        server,
        nodes,
        clients,
        generators,
        programs: ServerPrograms {
            sio: exe_dir.join("sio-bench-server"),
            ceiling: exe_dir.join("ceiling-server"),
            client_echo: exe_dir.join("client-echo"),
            socketioxide,
            rust_socketio_client: None,
            node_dir: root.join("tests/js"),
        },
    };
    let o = scale::run(&plan).map_err(|e| e.to_string())?;
    let rss_mib: Vec<String> = o
        .node_rss_kib
        .iter()
        .map(|k| format!("{:.0}", *k as f64 / 1024.0))
        .collect();
    println!("| server | nodes | clients connected (failed) | connect | broadcast to the last client | delivered | RSS per node (MiB) | node CPU: connect, broadcast |");
    println!("|---|---:|---:|---:|---:|---:|---|---|");
    println!(
        "| {server} | {nodes} | {} ({}) | {:.1} s ({:.0}/s) | {:.3} s | {} | {} | {:.1} s, {:.2} s |",
        o.connected,
        o.failed,
        o.connect_secs,
        o.connected as f64 / o.connect_secs,
        o.broadcast_secs,
        o.delivered,
        rss_mib.join(" / "),
        o.connect_cpu_secs,
        o.broadcast_cpu_secs
    );
    Ok(())
}

/// `sio-bench-scale clients --nodes A,B --count N --offset K` (started by the coordinator).
fn generator(args: Vec<String>) -> Result<(), String> {
    let (mut nodes, mut count, mut offset) = (Vec::new(), 0, 0);
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--nodes" => {
                nodes = value
                    .split(',')
                    .map(|a| a.parse::<SocketAddr>().map_err(|e| format!("{a}: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--count" => count = value.parse().map_err(|e| format!("--count: {e}"))?,
            "--offset" => offset = value.parse().map_err(|e| format!("--offset: {e}"))?,
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    if nodes.is_empty() {
        return Err("--nodes is required".into());
    }
    scale::clients(&nodes, count, offset).map_err(|e| e.to_string())
}
