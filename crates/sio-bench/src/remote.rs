//! One workload against a server that is already running (what `sio bench` runs): nothing is started, and
//! the server's CPU and memory are not read, since it may be any process on any machine. The clients speak
//! the event contract of BENCHMARKS.md over websocket to `/socket.io/` on the main namespace.

use crate::cores::Cores;
use crate::error::BenchError;
use crate::fleet::{connect_gate, Fleet};
use crate::measure::Probe;
use crate::outcome::median;
use crate::workload::{Mode, Timing, Workload};
use crate::workloads::{self, measure_fleet, Ctx, Measured};
use serde::Serialize;
use std::net::SocketAddr;
use std::time::Duration;

/// What the clients do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RemoteWorkload {
    /// W3: `echo` events, 16 in flight per client, 32-byte payload; messages/s.
    Echo,
    /// W6: `ack` events with an acknowledgement, 16 in flight per client; acks/s.
    Acks,
    /// W4: one client emits `broadcast`, 4 in flight, every client receives it; deliveries/s.
    Broadcast,
    /// W5: clients in rooms of 10, each emitting `room` to its room; deliveries/s.
    Rooms,
    /// W2: websocket handshakes (Engine.IO open and Socket.IO CONNECT, then close), `clients` of them
    /// with up to 128 in flight; connections/s.
    Handshakes,
    /// W1 without the memory reading: `clients` connections held open and idle for the duration.
    Idle,
}

impl RemoteWorkload {
    /// The benchmark workload whose driver and sizes this one uses.
    fn workload(self) -> Workload {
        match self {
            RemoteWorkload::Echo => Workload::Echo32,
            RemoteWorkload::Acks => Workload::Acks,
            RemoteWorkload::Broadcast => Workload::Broadcast1k,
            RemoteWorkload::Rooms => Workload::Rooms,
            RemoteWorkload::Handshakes => Workload::HandshakeRate,
            RemoteWorkload::Idle => Workload::IdleMemory,
        }
    }

    /// The unit of the headline value.
    pub fn unit(self) -> &'static str {
        match self {
            RemoteWorkload::Idle => "connections",
            other => other.workload().unit(),
        }
    }
}

/// One run against a running server.
#[derive(Debug, Clone)]
pub struct RemotePlan {
    /// The server's address (its Socket.IO path must be `/socket.io`).
    pub addr: SocketAddr,
    /// What the clients do.
    pub workload: RemoteWorkload,
    /// Connections (handshakes for [`RemoteWorkload::Handshakes`]).
    pub clients: usize,
    /// How long the load is measured, after a short warm-up (handshakes run a fixed number instead).
    pub duration: Duration,
    /// Load-generator threads.
    pub client_threads: usize,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteOutcome {
    /// What the clients did.
    pub workload: RemoteWorkload,
    /// The unit of `value`.
    pub unit: &'static str,
    /// Connections asked for.
    pub clients: usize,
    /// Requests (or broadcasts, or handshakes) in flight.
    pub in_flight: usize,
    /// The headline value: units of work per second, or connections held for `idle`.
    pub value: f64,
    /// Median round trip in microseconds, where the workload measures one.
    pub p50_us: Option<f64>,
    /// 99th-percentile round trip in microseconds.
    pub p99_us: Option<f64>,
    /// The load generator's CPU use, in cores.
    pub client_cores: f64,
    /// Connections or handshakes that failed.
    pub failed: u64,
    /// The first failure's message.
    pub first_error: Option<String>,
}

/// Runs `plan`, reporting progress through [`crate::progress`].
pub fn run(plan: &RemotePlan) -> Result<RemoteOutcome, BenchError> {
    crate::rlimit::raise_fd_limit();
    let cores = Cores::new(plan.client_threads)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let workload = plan.workload.workload();
    let mut size = workload.size(Mode::Full);
    size.clients = plan.clients.max(1);
    if plan.workload == RemoteWorkload::Handshakes {
        size.in_flight = size.in_flight.min(size.clients);
    }
    let ctx = Ctx {
        cores: &cores,
        addr: plan.addr,
        pid: 0,
        nodes: vec![plan.addr],
        probe: Probe::default(),
        redis: None,
        deflate: false,
        size,
        timing: Timing {
            warmup: (plan.duration / 5).min(Duration::from_secs(1)),
            window: plan.duration,
            runs: 1,
        },
        label: format!("{:?} against {}", plan.workload, plan.addr).to_lowercase(),
        unit: plan.workload.unit(),
    };
    let measured = rt.block_on(async {
        match plan.workload {
            RemoteWorkload::Echo => workloads::echo::run(&ctx).await,
            RemoteWorkload::Acks => workloads::acks::run(&ctx).await,
            RemoteWorkload::Broadcast => workloads::broadcast::run(&ctx).await,
            RemoteWorkload::Rooms => workloads::rooms::run(&ctx).await,
            RemoteWorkload::Handshakes => Ok(workloads::handshake::run(&ctx).await),
            RemoteWorkload::Idle => hold_idle(&ctx).await,
        }
    })?;
    let sample = median(&measured.runs).unwrap_or_default();
    let value = match plan.workload {
        RemoteWorkload::Idle => size.clients.saturating_sub(measured.failed as usize) as f64,
        _ => sample.value,
    };
    Ok(RemoteOutcome {
        workload: plan.workload,
        unit: plan.workload.unit(),
        clients: size.clients,
        in_flight: size.in_flight,
        value,
        p50_us: sample.p50_us,
        p99_us: sample.p99_us,
        client_cores: sample.client_cores,
        failed: measured.failed,
        first_error: measured.first_error,
    })
}

/// Connects every client and keeps them idle (answering pings) through the measured window.
async fn hold_idle(ctx: &Ctx<'_>) -> Result<Measured, BenchError> {
    let gate = connect_gate();
    let mut fleet = Fleet::new();
    for i in 0..ctx.size.clients {
        let addr = ctx.addr;
        fleet.spawn(
            ctx.cores,
            i,
            &gate,
            move || crate::socketio_ws::connect(addr, ""),
            |mut conn, _| async move {
                loop {
                    conn.step(|_, _, _| {}).await?;
                }
            },
        );
    }
    measure_fleet(ctx, fleet, ctx.size.clients as u64).await
}
