//! The client-side comparison: sio-client, npm socket.io-client and rust_socketio, each driven by a small
//! load program with the same arguments and output,
//! against the same server (the ceiling, so the client is the bottleneck): echo messages/s, the client
//! process's CPU time per echo and its memory per connected client.

use crate::error::BenchError;
use crate::outcome;
use crate::server_kind::ServerKind;
use crate::server_process::{ServerProcess, ServerPrograms};
use crate::workload::{Mode, Timing};
use serde::Serialize;
use std::process::{Command, Stdio};

/// A client implementation under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientKind {
    /// sio-client (the `client-echo` binary).
    SioClient,
    /// npm socket.io-client 4.8 on Node (`tests/js/bench/client.js`).
    NodeClient,
    /// rust_socketio's async client (`crates/sio-bench/peers/rust-socketio-client`).
    RustSocketio,
}

impl ClientKind {
    /// Every client, in table order.
    pub const ALL: [ClientKind; 3] = [
        ClientKind::SioClient,
        ClientKind::NodeClient,
        ClientKind::RustSocketio,
    ];

    /// Table name.
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::SioClient => "sio-client",
            ClientKind::NodeClient => "socket.io-client (npm)",
            ClientKind::RustSocketio => "rust_socketio",
        }
    }
}

/// Size of the client-side comparison.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ClientSize {
    /// Connected clients (memory is measured over all of them).
    pub clients: usize,
    /// Clients that echo.
    pub echoing: usize,
    /// Echo events in flight per echoing client.
    pub in_flight: usize,
    /// Payload bytes.
    pub payload: usize,
}

impl ClientSize {
    /// The size in a mode.
    pub fn of(mode: Mode) -> Self {
        match mode {
            Mode::Full => ClientSize {
                clients: 1000,
                echoing: 100,
                in_flight: 16,
                payload: 32,
            },
            Mode::Smoke => ClientSize {
                clients: 10,
                echoing: 5,
                in_flight: 4,
                payload: 32,
            },
        }
    }
}

/// The result for one client.
#[derive(Debug, Clone, Serialize)]
pub struct ClientOutcome {
    /// Which client.
    pub client: ClientKind,
    /// How big the run was.
    pub size: ClientSize,
    /// Median echo messages/s.
    pub messages_per_sec: Option<f64>,
    /// Median echo messages/s with one echo in flight per echoing client (latency, not batching).
    pub messages_per_sec_one: Option<f64>,
    /// Median CPU time of the client process per echo (user + system, µs), with `in_flight` and with one.
    pub cpu_us_per_message: Option<f64>,
    /// See `cpu_us_per_message`.
    pub cpu_us_per_message_one: Option<f64>,
    /// Median RSS growth of the client process per connected client, KiB.
    pub rss_per_client_kib: Option<f64>,
    /// Why there is no value.
    pub error: Option<String>,
}

/// Runs every client `timing.runs` times against a fresh ceiling server each, interleaved (A B C, A B C,
/// ...) as the servers are, so that drift of the shared machine falls on every client alike.
pub fn run(mode: Mode, timing: Timing, programs: &ServerPrograms) -> Vec<ClientOutcome> {
    let size = ClientSize::of(mode);
    let one = ClientSize {
        in_flight: 1,
        ..size
    };
    let mut samples: Vec<Samples> = ClientKind::ALL.iter().map(|_| Samples::default()).collect();
    for run in 1..=timing.runs {
        for (client, got) in ClientKind::ALL.into_iter().zip(&mut samples) {
            eprintln!(
                "== client side / {} (round {run}/{})",
                client.name(),
                timing.runs
            );
            let measured = once(client, size, timing, programs)
                .and_then(|many| once(client, one, timing, programs).map(|single| (many, single)));
            match measured {
                Ok((many, single)) => {
                    eprintln!(
                        "  {:.0} msg/s, {:.2} µs CPU/msg ({:.0} and {:.2} with one in flight), {:.1} KiB/client",
                        many.rate, many.cpu, single.rate, single.cpu, many.rss
                    );
                    got.runs.push((many, single));
                }
                Err(e) => {
                    eprintln!("  {e}");
                    got.error = Some(e.to_string());
                }
            }
        }
    }
    ClientKind::ALL
        .into_iter()
        .zip(samples)
        .map(|(client, got)| {
            let median = |figure: fn(&(Printed, Printed)) -> f64| {
                outcome::median_value(got.runs.iter().map(figure).collect())
            };
            ClientOutcome {
                client,
                size,
                messages_per_sec: median(|(many, _)| many.rate),
                messages_per_sec_one: median(|(_, single)| single.rate),
                cpu_us_per_message: median(|(many, _)| many.cpu),
                cpu_us_per_message_one: median(|(_, single)| single.cpu),
                rss_per_client_kib: median(|(many, _)| many.rss),
                error: got.error,
            }
        })
        .collect()
}

/// One client's runs: what it printed with `in_flight` and with one in flight, and the last error.
#[derive(Default)]
struct Samples {
    runs: Vec<(Printed, Printed)>,
    error: Option<String>,
}

/// What one run of a client program printed.
struct Printed {
    rss: f64,
    rate: f64,
    cpu: f64,
}

fn once(
    client: ClientKind,
    size: ClientSize,
    timing: Timing,
    programs: &ServerPrograms,
) -> Result<Printed, BenchError> {
    let server = ServerProcess::start(ServerKind::Ceiling, programs)?;
    let url = format!("http://{}", server.addr);
    let mut cmd = match client {
        ClientKind::SioClient => Command::new(&programs.client_echo),
        ClientKind::NodeClient => {
            let mut c = Command::new("node");
            c.arg("bench/client.js").current_dir(&programs.node_dir);
            c
        }
        ClientKind::RustSocketio => {
            let bin = programs
                .rust_socketio_client
                .as_ref()
                .ok_or_else(|| BenchError::Server("the rust_socketio peer was not built".into()))?;
            Command::new(bin)
        }
    };
    let out = cmd
        .arg(url)
        .arg(size.clients.to_string())
        .arg(size.echoing.to_string())
        .arg(size.in_flight.to_string())
        .arg(size.payload.to_string())
        .arg(timing.warmup.as_secs_f64().to_string())
        .arg(timing.window.as_secs_f64().to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| BenchError::Server(format!("cannot run {}: {e}", client.name())))?;
    drop(server);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(line).map_err(|_| {
        BenchError::Server(format!(
            "{} printed {line:?} ({})",
            client.name(),
            out.status
        ))
    })?;
    let field = |k: &str| json.get(k).and_then(serde_json::Value::as_f64);
    match (
        field("rss_per_client_kib"),
        field("messages_per_sec"),
        field("cpu_us_per_message"),
    ) {
        (Some(rss), Some(rate), Some(cpu)) => Ok(Printed { rss, rate, cpu }),
        _ => Err(BenchError::Server(format!(
            "{} printed {line:?}",
            client.name()
        ))),
    }
}
