//! The performance targets (BENCHMARKS.md) checked against a report: ratios in one run on one machine, of
//! throughput and of server CPU per operation.

use crate::client_side::{ClientKind, ClientOutcome};
use crate::harness::Report;
use crate::outcome::Outcome;
use crate::report::{cpu_ratio, ratio};
use crate::server_kind::ServerKind::{self, Ceiling, Node, Sio, Socketioxide};
use crate::workload::Workload::{self, *};
use std::fmt::Write;

/// One target and whether the run met it.
#[derive(Debug, Clone)]
pub struct Target {
    /// What is asked.
    pub goal: &'static str,
    /// The measured figure(s).
    pub measured: String,
    /// `None` when the numbers needed are missing.
    pub met: Option<bool>,
}

/// A throughput ratio and a CPU ratio against one peer, with their bounds.
struct Against {
    peer: ServerKind,
    /// Least `sio / peer` in throughput.
    faster: Option<f64>,
    /// Most `sio / peer` in server CPU per operation.
    cpu: Option<f64>,
}

fn against(peer: ServerKind, faster: Option<f64>, cpu: Option<f64>) -> Against {
    Against { peer, faster, cpu }
}

/// The target "`goal`" of `workload`: every bound of every peer.
fn target(report: &Report, goal: &'static str, workload: Workload, peers: &[Against]) -> Target {
    let mut measured = Vec::new();
    let mut met = Vec::new();
    for a in peers {
        let (r, c) = (
            ratio(report, workload, a.peer),
            cpu_ratio(report, workload, a.peer),
        );
        let mut m = String::new();
        if a.faster.is_some() {
            let _ = write!(m, "{}x", r.map_or("–".into(), |r| format!("{r:.2}")));
            met.push(r.zip(a.faster).map(|(r, min)| r >= min));
        }
        if a.cpu.is_some() {
            let sep = if m.is_empty() { "" } else { " at " };
            let _ = write!(
                m,
                "{sep}{}x CPU",
                c.map_or("–".into(), |c| format!("{c:.2}"))
            );
            met.push(c.zip(a.cpu).map(|(c, max)| c <= max));
        }
        measured.push(format!("{m} {}", a.peer));
    }
    Target {
        goal,
        measured: measured.join(", "),
        met: met
            .into_iter()
            .collect::<Option<Vec<bool>>>()
            .map(|v| v.iter().all(|b| *b)),
    }
}

/// Checks the targets against the report.
pub fn targets(report: &Report) -> Vec<Target> {
    let w1 = report.outcome(IdleMemory, Sio).and_then(Outcome::value);
    let w1_recovery = report
        .outcome(IdleMemoryRecovery, Sio)
        .and_then(Outcome::value);
    // The cluster broadcast's target, on both W8 rows: with 4 in flight and server-driven.
    let cluster = [
        against(Node, Some(5.0), Some(0.2)),
        against(Socketioxide, Some(1.0), Some(1.0)),
    ];
    vec![
        target(
            report,
            "W3 echo 32 B: ≥ 0.7x the ceiling's msg/s at ≤ 1.6x its CPU/msg; ≥ 4x socketioxide and ≥ 12x Node in both",
            Echo32,
            &[
                against(Ceiling, Some(0.7), Some(1.6)),
                against(Socketioxide, Some(4.0), Some(1.0 / 4.0)),
                against(Node, Some(12.0), Some(1.0 / 12.0)),
            ],
        ),
        target(
            report,
            "W4 server-driven to 10k: ≤ 1.5x the ceiling's CPU/delivery, ≥ 3x socketioxide, ≥ 25x Node",
            Flood10k,
            &[
                against(Ceiling, None, Some(1.5)),
                against(Socketioxide, Some(3.0), None),
                against(Node, Some(25.0), None),
            ],
        ),
        Target {
            goal: "W1 ≤ 5 KiB per idle connection, also with connection state recovery on",
            measured: format!(
                "{} KiB, {} KiB with recovery",
                w1.map_or("–".into(), |v| format!("{v:.2}")),
                w1_recovery.map_or("–".into(), |v| format!("{v:.2}"))
            ),
            met: w1
                .zip(w1_recovery)
                .map(|(a, b)| a <= 5.0 && b <= 5.0),
        },
        target(
            report,
            "W2 handshakes ≥ 0.9x the ceiling",
            HandshakeRate,
            &[against(Ceiling, Some(0.9), None)],
        ),
        target(
            report,
            "W7 polling ≥ 1.3x socketioxide in CPU per event",
            Polling,
            &[against(Socketioxide, None, Some(1.0 / 1.3))],
        ),
        target(
            report,
            "W8 cluster broadcast: ≥ 5x Node in deliveries/s at ≤ 1/5 of its CPU/delivery; ahead of socketioxide in both",
            ClusterBroadcast,
            &cluster,
        ),
        target(
            report,
            "W8 server-driven: ≥ 5x Node in deliveries/s at ≤ 1/5 of its CPU/delivery; ahead of socketioxide in both",
            ClusterFlood,
            &cluster,
        ),
        client_target(report),
    ]
}

/// The client side: sio-client ≤ 12 KiB per connected client, ≥ 4x npm socket.io-client with one echo in
/// flight.
fn client_target(report: &Report) -> Target {
    let of = |k| report.clients.iter().find(|c| c.client == k);
    let rss = of(ClientKind::SioClient).and_then(|c| c.rss_per_client_kib);
    // sio-client's figure over npm's.
    let over_npm = |figure: fn(&ClientOutcome) -> Option<f64>| {
        of(ClientKind::SioClient)
            .and_then(figure)
            .zip(of(ClientKind::NodeClient).and_then(figure))
            .and_then(|(sio, npm)| (npm > 0.0).then(|| sio / npm))
    };
    let one = over_npm(|c| c.messages_per_sec_one);
    let cpu_one = over_npm(|c| c.cpu_us_per_message_one);
    Target {
        goal: "sio-client ≤ 12 KiB per connected client, ≥ 4x npm socket.io-client with one echo in flight",
        measured: format!(
            "{} KiB, {}x npm at {}x its client CPU/msg",
            rss.map_or("–".into(), |v| format!("{v:.1}")),
            one.map_or("–".into(), |v| format!("{v:.2}")),
            cpu_one.map_or("–".into(), |v| format!("{v:.2}"))
        ),
        met: rss.zip(one).map(|(r, o)| r <= 12.0 && o >= 4.0),
    }
}

/// The targets as a markdown table.
pub fn targets_table(report: &Report) -> String {
    let mut out = String::from("| Target | Measured | Met |\n|---|---|---|\n");
    for t in targets(report) {
        let met = match t.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "not measured",
        };
        let _ = writeln!(out, "| {} | {} | {met} |", t.goal, t.measured);
    }
    out
}
