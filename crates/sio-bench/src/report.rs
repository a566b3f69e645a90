//! The human side of a report: the markdown table of every workload x server with ratios, and the
//! issue's targets checked against the numbers.

use crate::harness::Report;
use crate::outcome::Outcome;
use crate::server_kind::ServerKind;
use crate::workload::Workload;
use std::fmt::Write;

/// Formats `v` with thousands separators (or one decimal below 100).
pub fn number(v: f64) -> String {
    if v.abs() < 100.0 {
        return format!("{v:.1}");
    }
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 {
        out.insert(0, '-');
    }
    out
}

fn latency(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}

/// One table cell: the median value, then p99 latency or CPU per event where measured.
fn cell(o: Option<&Outcome>) -> String {
    let Some(o) = o else { return "–".into() };
    let Some(m) = o.median else {
        return o.error.clone().map_or("–".into(), |e| {
            if e.starts_with("n/a") {
                "n/a".into()
            } else {
                format!("failed: {}", e.chars().take(60).collect::<String>())
            }
        });
    };
    let mut s = number(m.value);
    if o.workload == Workload::ClusterRecovery {
        if let (Some(p50), Some(p99)) = (m.p50_us, m.p99_us) {
            let _ = write!(
                s,
                "<br>recovered in p50 {}, p99 {}",
                latency(p50),
                latency(p99)
            );
        }
        if let Some(cpu) = m.server_cpu_us_per_unit {
            let _ = write!(s, "<br>{cpu:.0} µs server CPU/recovery");
        }
    } else if let Some(p99) = m.p99_us {
        if o.workload != Workload::HandshakeRate {
            let _ = write!(s, "<br>p99 {}", latency(p99));
        }
    }
    if o.workload == Workload::Polling {
        if let Some(cpu) = m.server_cpu_us_per_unit {
            let _ = write!(s, "<br>{cpu:.1} µs CPU/event");
        }
    }
    if o.workload == Workload::ClusterBroadcast {
        if let Some(cpu) = m.server_cpu_us_per_unit {
            let _ = write!(s, "<br>{cpu:.2} µs server CPU/delivery");
        }
        if let Some(cpu) = m.redis_cpu_us_per_unit {
            let _ = write!(s, "<br>{cpu:.3} µs Redis CPU/delivery");
        }
    }
    if o.failed_connections > 0 {
        let _ = write!(s, "<br>({} failed)", o.failed_connections);
    }
    s
}

/// `sio / peer` for a workload, when both have values.
pub fn ratio(report: &Report, workload: Workload, peer: ServerKind) -> Option<f64> {
    let sio = report.outcome(workload, ServerKind::Sio)?.value()?;
    let other = report.outcome(workload, peer)?.value()?;
    (other > 0.0).then(|| sio / other)
}

/// The markdown table: one row per workload, one column per server, then sio's ratio to each other server.
pub fn table(report: &Report) -> String {
    let peers: Vec<ServerKind> = if report.servers.contains(&ServerKind::Sio) {
        report
            .servers
            .iter()
            .copied()
            .filter(|s| *s != ServerKind::Sio)
            .collect()
    } else {
        Vec::new()
    };
    let mut out = String::from("| Workload | Unit |");
    for s in &report.servers {
        let _ = write!(out, " {s} |");
    }
    for p in &peers {
        let _ = write!(out, " sio / {p} |");
    }
    out.push_str("\n|---|---|");
    for _ in 0..report.servers.len() + peers.len() {
        out.push_str("---:|");
    }
    out.push('\n');
    for &w in &report.workloads {
        let unit = if w.lower_is_better() {
            format!("{} (lower is better)", w.unit())
        } else {
            w.unit().to_owned()
        };
        let _ = write!(out, "| {} | {unit} |", w.title());
        for &s in &report.servers {
            let _ = write!(out, " {} |", cell(report.outcome(w, s)));
        }
        for &p in &peers {
            let r = ratio(report, w, p).map_or("–".into(), |r| format!("{r:.2}x"));
            let _ = write!(out, " {r} |");
        }
        out.push('\n');
    }
    out
}

/// The client-side comparison as a markdown table (empty when it was not run).
pub fn clients_table(report: &Report) -> String {
    let Some(first) = report.clients.first() else {
        return String::new();
    };
    let z = first.size;
    let mut out = format!(
        "| Client (against the ceiling server) | echo msg/s ({} clients x {} in flight, {} B) | RSS per connected client ({} clients) |\n|---|---:|---:|\n",
        z.echoing, z.in_flight, z.payload, z.clients
    );
    for c in &report.clients {
        let rate = c.messages_per_sec.map_or_else(
            || format!("failed: {}", c.error.clone().unwrap_or_default()),
            number,
        );
        let rss = c
            .rss_per_client_kib
            .map_or("–".into(), |v| format!("{v:.1} KiB"));
        let _ = writeln!(out, "| {} | {rate} | {rss} |", c.client.name());
    }
    out
}

/// One target of the issue and whether the run met it.
#[derive(Debug, Clone)]
pub struct Target {
    /// What the issue asks.
    pub goal: &'static str,
    /// The measured figure(s).
    pub measured: String,
    /// `None` when the numbers needed are missing.
    pub met: Option<bool>,
}

/// Checks the targets against the report.
pub fn targets(report: &Report) -> Vec<Target> {
    let value = |w, s| report.outcome(w, s).and_then(Outcome::value);
    let r = |w, p| ratio(report, w, p);
    let fmt = |x: Option<f64>, suffix: &str| x.map_or("–".into(), |v| format!("{v:.2}{suffix}"));
    let all = |conds: &[Option<bool>]| {
        conds
            .iter()
            .copied()
            .collect::<Option<Vec<bool>>>()
            .map(|v| v.iter().all(|b| *b))
    };
    let w1 = value(Workload::IdleMemory, ServerKind::Sio);
    let w1_sx = value(Workload::IdleMemory, ServerKind::Socketioxide);
    let w1_node = value(Workload::IdleMemory, ServerKind::Node);
    let w6_over_w3 = match (
        value(Workload::Acks, ServerKind::Sio),
        value(Workload::Echo32, ServerKind::Sio),
    ) {
        (Some(a), Some(e)) if e > 0.0 => Some(a / e),
        _ => None,
    };
    vec![
        Target {
            goal: "W1 ≤ 8 KiB per idle connection, below socketioxide and Node",
            measured: format!(
                "sio {} KiB, socketioxide {} KiB, node {} KiB",
                fmt(w1, ""),
                fmt(w1_sx, ""),
                fmt(w1_node, "")
            ),
            met: all(&[
                w1.map(|v| v <= 8.0),
                w1.zip(w1_sx).map(|(a, b)| a < b),
                w1.zip(w1_node).map(|(a, b)| a < b),
            ]),
        },
        Target {
            goal: "W2 ≥ 85% of the ceiling",
            measured: fmt(r(Workload::HandshakeRate, ServerKind::Ceiling), "x ceiling"),
            met: r(Workload::HandshakeRate, ServerKind::Ceiling).map(|x| x >= 0.85),
        },
        Target {
            goal: "W3 ≥ 50% of the ceiling and ≥ 3x socketioxide",
            measured: format!(
                "{}, {}",
                fmt(r(Workload::Echo32, ServerKind::Ceiling), "x ceiling"),
                fmt(
                    r(Workload::Echo32, ServerKind::Socketioxide),
                    "x socketioxide"
                )
            ),
            met: all(&[
                r(Workload::Echo32, ServerKind::Ceiling).map(|x| x >= 0.5),
                r(Workload::Echo32, ServerKind::Socketioxide).map(|x| x >= 3.0),
            ]),
        },
        Target {
            goal: "W4 (10k) ≥ 80% of the ceiling, ≥ 1.3x socketioxide, ≥ 20x Node",
            measured: format!(
                "{}, {}, {}",
                fmt(r(Workload::Broadcast10k, ServerKind::Ceiling), "x ceiling"),
                fmt(
                    r(Workload::Broadcast10k, ServerKind::Socketioxide),
                    "x socketioxide"
                ),
                fmt(r(Workload::Broadcast10k, ServerKind::Node), "x node")
            ),
            met: all(&[
                r(Workload::Broadcast10k, ServerKind::Ceiling).map(|x| x >= 0.8),
                r(Workload::Broadcast10k, ServerKind::Socketioxide).map(|x| x >= 1.3),
                r(Workload::Broadcast10k, ServerKind::Node).map(|x| x >= 20.0),
            ]),
        },
        Target {
            goal: "W6 ≥ 70% of the W3 rate",
            measured: fmt(w6_over_w3, "x W3"),
            met: w6_over_w3.map(|x| x >= 0.7),
        },
        Target {
            goal: "W7 ahead of both peers",
            measured: format!(
                "{}, {}",
                fmt(
                    r(Workload::Polling, ServerKind::Socketioxide),
                    "x socketioxide"
                ),
                fmt(r(Workload::Polling, ServerKind::Node), "x node")
            ),
            met: all(&[
                r(Workload::Polling, ServerKind::Socketioxide).map(|x| x > 1.0),
                r(Workload::Polling, ServerKind::Node).map(|x| x > 1.0),
            ]),
        },
    ]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(number(1234567.4), "1,234,567");
        assert_eq!(number(123.0), "123");
        assert_eq!(number(7.25), "7.2");
        assert_eq!(number(-1000.0), "-1,000");
    }
}
