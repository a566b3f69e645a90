//! Runs a plan: every selected workload against every selected server, each server started fresh for
//! the workload (and for every run of W1) and stopped after. A cluster workload (W8, W9) starts its own
//! `redis-server` and [`CLUSTER_NODES`] servers joined to it.

use crate::client_side::ClientOutcome;
use crate::cores::Cores;
use crate::error::BenchError;
use crate::machine::Machine;
use crate::measure::Probe;
use crate::outcome::{median, Outcome};
use crate::redis_server::RedisServer;
use crate::server_kind::ServerKind;
use crate::server_process::{ServerProcess, ServerPrograms};
use crate::workload::{Mode, Timing, Workload, CLUSTER_NODES};
use crate::workloads::{self, Ctx, Measured};
use serde::Serialize;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Full or smoke sizes.
    pub mode: Mode,
    /// Warm-up, window length and number of runs.
    pub timing: Timing,
    /// Servers, in column order.
    pub servers: Vec<ServerKind>,
    /// Workloads, in row order.
    pub workloads: Vec<Workload>,
    /// Where the server programs are.
    pub programs: ServerPrograms,
    /// Load-generator runtimes (one per core by default).
    pub client_threads: usize,
    /// Also run the client-side comparison (sio-client vs npm socket.io-client).
    pub client_side: bool,
    /// Overrides every selected workload's in-flight count (for exploring where a workload saturates).
    pub in_flight: Option<usize>,
    /// W8's adapter: `None` for the classic Redis adapter, `streams` or `postgres` (sio and node only).
    pub w8_adapter: Option<String>,
}

impl Plan {
    /// The size of `workload` in this plan: its mode's, with the in-flight override applied.
    pub fn size(&self, workload: Workload) -> crate::workload::Size {
        let mut size = workload.size(self.mode);
        if let Some(n) = self.in_flight {
            size.in_flight = n;
        }
        size
    }
}

/// Everything a run produced.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Full or smoke.
    pub mode: Mode,
    /// Timing used.
    pub timing: Timing,
    /// The machine.
    pub machine: Machine,
    /// Servers in column order.
    pub servers: Vec<ServerKind>,
    /// Workloads in row order.
    pub workloads: Vec<Workload>,
    /// One entry per workload x server.
    pub outcomes: Vec<Outcome>,
    /// The client-side comparison, when run.
    pub clients: Vec<ClientOutcome>,
}

impl Report {
    /// The cell of `workload` x `server`.
    pub fn outcome(&self, workload: Workload, server: ServerKind) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|o| o.workload == workload && o.server == server)
    }
}

/// Runs the plan, printing progress on stderr.
pub fn run(plan: &Plan) -> Result<Report, BenchError> {
    let fd_limit = crate::rlimit::raise_fd_limit();
    let cores = Cores::new(plan.client_threads)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut outcomes = Vec::new();
    for &workload in &plan.workloads {
        outcomes.extend(rt.block_on(interleaved(plan, &cores, workload)));
    }
    let clients = if plan.client_side {
        crate::client_side::run(plan.mode, plan.timing, &plan.programs)
    } else {
        Vec::new()
    };
    Ok(Report {
        mode: plan.mode,
        timing: plan.timing,
        machine: Machine::detect(fd_limit),
        servers: plan.servers.clone(),
        workloads: plan.workloads.clone(),
        outcomes,
        clients,
    })
}

/// Every server's cell of `workload`. In full mode they are measured in rounds that take the servers in
/// turn (A B C, A B C, ...), one measured run of each per round on a freshly started server: drift of the
/// shared machine over the workload falls on every server alike instead of on whoever ran last. The smoke
/// mode runs each server's runs in one go (it checks the harness, not the servers).
async fn interleaved(plan: &Plan, cores: &Cores, workload: Workload) -> Vec<Outcome> {
    let rounds = match plan.mode {
        Mode::Full => plan.timing.runs.max(1),
        Mode::Smoke => 1,
    };
    let per_round = Plan {
        timing: Timing {
            runs: plan.timing.runs / rounds,
            ..plan.timing
        },
        ..plan.clone()
    };
    let mut cells: Vec<Outcome> = Vec::new();
    for round in 1..=rounds {
        for (i, &server) in plan.servers.iter().enumerate() {
            if cells
                .get(i)
                .is_some_and(|c| c.runs.is_empty() && c.error.is_some())
            {
                continue; // n/a, or failed in an earlier round
            }
            eprintln!(
                "== {} / {server} (round {round}/{rounds})",
                workload.title()
            );
            let started = std::time::Instant::now();
            let outcome = cell(&per_round, cores, workload, server).await;
            let took = started.elapsed().as_secs_f64();
            match (&outcome.median, &outcome.error) {
                (Some(m), _) => eprintln!(
                    "   {:.1} {} (server {:.2} cores, generator {:.2} cores; {took:.1} s)",
                    m.value, outcome.unit, m.server_cores, m.client_cores
                ),
                (None, Some(e)) => eprintln!("   no value: {e} ({took:.1} s)"),
                (None, None) => {}
            }
            match cells.get_mut(i) {
                Some(acc) => {
                    acc.runs.extend(outcome.runs);
                    acc.failed_connections += outcome.failed_connections;
                    if acc.error.is_none() {
                        acc.error = outcome.error;
                    }
                }
                None => cells.push(outcome),
            }
        }
    }
    for c in &mut cells {
        c.median = median(&c.runs);
    }
    cells
}

async fn cell(plan: &Plan, cores: &Cores, workload: Workload, server: ServerKind) -> Outcome {
    let mut outcome = Outcome {
        workload,
        server,
        unit: workload.unit(),
        size: plan.size(workload),
        runs: Vec::new(),
        median: None,
        failed_connections: 0,
        error: None,
    };
    if workload.is_polling() && !server.supports_polling() {
        outcome.error = Some("n/a (websocket only)".into());
        return outcome;
    }
    if workload.is_cluster() && !server.supports_cluster() {
        outcome.error = Some("n/a (no cluster mode)".into());
        return outcome;
    }
    if workload.is_deflate() && !server.supports_deflate() {
        outcome.error = Some("n/a (no permessage-deflate)".into());
        return outcome;
    }
    if workload.is_webtransport() && !server.supports_webtransport() {
        outcome.error = Some("n/a (no WebTransport)".into());
        return outcome;
    }
    if workload.is_recovery() && !server.supports_recovery() {
        outcome.error = Some("n/a (no connection state recovery)".into());
        return outcome;
    }
    if workload == Workload::ClusterRecovery && server == ServerKind::Socketioxide {
        outcome.error = Some("n/a (no streams adapter)".into());
        return outcome;
    }
    let result = if workload.is_idle() {
        idle_runs(plan, cores, workload, server).await
    } else if workload.is_cluster() {
        cluster_run(plan, cores, workload, server).await
    } else {
        match ServerProcess::start_node(server, &plan.programs, &server_args(workload)) {
            Ok(mut process) => {
                let ctx = ctx_for(plan, cores, workload, &process);
                let measured = drive(&ctx, workload).await;
                if !process.is_running() {
                    Err(BenchError::Server(format!(
                        "{server} exited during the workload"
                    )))
                } else {
                    measured
                }
            }
            Err(e) => Err(e),
        }
    };
    // Let the kernel finish tearing down the previous connections before the next server starts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    match result {
        Ok(m) => {
            outcome.median = median(&m.runs);
            outcome.runs = m.runs;
            outcome.failed_connections = m.failed;
            outcome.error = m.first_error;
        }
        Err(e) => outcome.error = Some(e.to_string()),
    }
    outcome
}

/// The options a single server starts with for `workload`: permessage-deflate, connection state recovery
/// or WebTransport on where the workload measures it.
fn server_args(workload: Workload) -> Vec<String> {
    let mut args = Vec::new();
    if workload.is_deflate() {
        args.push("--deflate".to_string());
    }
    if workload.is_recovery() {
        args.push("--recovery".to_string());
    }
    if workload.is_webtransport() {
        args.push("--webtransport".to_string());
    }
    args
}

fn ctx_for<'a>(
    plan: &Plan,
    cores: &'a Cores,
    workload: Workload,
    process: &ServerProcess,
) -> Ctx<'a> {
    Ctx {
        cores,
        addr: process.addr,
        pid: process.pid,
        size: plan.size(workload),
        timing: plan.timing,
        label: format!("{} / {}", workload.title(), process.kind),
        unit: workload.unit(),
        nodes: vec![process.addr],
        probe: Probe::server(process.pid),
        redis: None,
        deflate: workload.is_deflate(),
    }
}

async fn drive(ctx: &Ctx<'_>, workload: Workload) -> Result<Measured, BenchError> {
    match workload {
        Workload::IdleMemory | Workload::IdleMemoryRecovery => {
            Err(BenchError::Server("W1 runs on fresh servers".into()))
        }
        Workload::HandshakeRate => Ok(workloads::handshake::run(ctx).await),
        Workload::Echo32 | Workload::Echo1k | Workload::Echo4k | Workload::Echo4kDeflate => {
            workloads::echo::run(ctx).await
        }
        Workload::Echo32WebTransport => workloads::echo_webtransport::run(ctx).await,
        Workload::Broadcast1k
        | Workload::Broadcast1kRecovery
        | Workload::Broadcast10k
        | Workload::ClusterBroadcast => workloads::broadcast::run(ctx).await,
        Workload::Flood1k | Workload::Flood10k | Workload::ClusterFlood => {
            workloads::flood::run(ctx).await
        }
        Workload::Rooms => workloads::rooms::run(ctx).await,
        Workload::Acks => workloads::acks::run(ctx).await,
        Workload::Namespaces => workloads::namespaces::run(ctx).await,
        Workload::Polling => workloads::polling::run(ctx).await,
        Workload::ClusterRecovery => Ok(workloads::recovery::run(ctx).await),
    }
}

/// W8 with `--w8-adapter postgres`: the machine's PostgreSQL (a fresh channel prefix per cluster).
const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// W8: a fresh Redis and [`CLUSTER_NODES`] servers of `server` joined to it (started side by side), clients
/// spread over the nodes; the servers' CPU is summed, Redis's read apart.
async fn cluster_run(
    plan: &Plan,
    cores: &Cores,
    workload: Workload,
    server: ServerKind,
) -> Result<Measured, BenchError> {
    let mut redis = RedisServer::start()?;
    let mut args = vec!["--redis".to_string(), redis.url()];
    // W9 needs what only the streams adapter offers: sessions and missed packets kept across nodes.
    let adapter = if workload == Workload::ClusterRecovery {
        args.push("--recovery".into());
        Some("streams")
    } else {
        plan.w8_adapter.as_deref()
    };
    if adapter.is_some() && server == ServerKind::Socketioxide {
        return Err(BenchError::Server(
            "socketioxide has no compatible streams or postgres adapter".into(),
        ));
    }
    match adapter {
        Some("postgres") => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            args = vec![
                "--postgres".into(),
                POSTGRES_URL.into(),
                "--prefix".into(),
                format!("sio_bench_{}_{nanos}", std::process::id()),
            ];
        }
        Some(other) => args.extend(["--adapter".to_string(), other.to_string()]),
        None => {}
    }
    let mut nodes = ServerProcess::start_nodes(server, &plan.programs, &args, CLUSTER_NODES)?;
    if adapter.is_none() {
        redis.wait_for_cluster(
            CLUSTER_NODES,
            server.cluster_uses_pattern(),
            Duration::from_secs(30),
        )?;
    } else {
        // No subscription to watch: XREAD and LISTEN start within the nodes' first second.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let mut ctx = ctx_for(plan, cores, workload, &nodes[0]);
    ctx.label = format!(
        "{} ({CLUSTER_NODES} nodes, {})",
        ctx.label,
        adapter.unwrap_or("classic")
    );
    ctx.nodes = nodes.iter().map(|n| n.addr).collect();
    ctx.redis = Some(SocketAddr::from((Ipv4Addr::LOCALHOST, redis.port)));
    ctx.probe = Probe {
        servers: nodes.iter().map(|n| n.pid).collect(),
        redis: Some(redis.pid),
    };
    let measured = drive(&ctx, workload).await;
    if let Some(i) = nodes.iter_mut().position(|n| !n.is_running()) {
        return Err(BenchError::Server(format!(
            "{server} node {i} exited during the workload"
        )));
    }
    if !redis.is_running() {
        return Err(BenchError::Server(
            "redis-server exited during the workload".into(),
        ));
    }
    measured
}

/// W1: one fresh server per run, so every run measures growth from the same starting point.
async fn idle_runs(
    plan: &Plan,
    cores: &Cores,
    workload: Workload,
    server: ServerKind,
) -> Result<Measured, BenchError> {
    let mut measured = Measured::default();
    for run in 1..=plan.timing.runs {
        let process = ServerProcess::start_node(server, &plan.programs, &server_args(workload))?;
        let mut ctx = ctx_for(plan, cores, workload, &process);
        ctx.label = format!("{} run {run}/{}", ctx.label, plan.timing.runs);
        let (sample, failed, error) = workloads::idle::run_once(&ctx).await?;
        measured.runs.push(sample);
        measured.failed += failed;
        if measured.first_error.is_none() {
            measured.first_error = error;
        }
        drop(process);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(measured)
}
