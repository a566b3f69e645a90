//! The human side of a report: the markdown table of every workload x server with the ratios of throughput
//! and of server CPU per operation (the targets are in `targets.rs`).

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
    } else if let Some(p99) = m.p99_us {
        if o.workload != Workload::HandshakeRate {
            let _ = write!(s, "<br>p99 {}", latency(p99));
        }
    }
    if let (Some(op), Some(cpu)) = (o.workload.operation(), m.server_cpu_us_per_unit) {
        let _ = write!(s, "<br>{} µs CPU/{op}", micros(cpu));
    }
    if let (Some(op), Some(cpu)) = (o.workload.operation(), m.redis_cpu_us_per_unit) {
        let _ = write!(s, "<br>{} µs Redis CPU/{op}", micros(cpu));
    }
    if o.failed_connections > 0 {
        let _ = write!(s, "<br>({} failed)", o.failed_connections);
    }
    s
}

/// A CPU time in microseconds with the digits that matter (`0.562`, `5.74`, `63.4`, `2190`).
fn micros(us: f64) -> String {
    match us {
        u if u < 1.0 => format!("{u:.3}"),
        u if u < 10.0 => format!("{u:.2}"),
        u if u < 100.0 => format!("{u:.1}"),
        u => format!("{u:.0}"),
    }
}

/// `sio / peer` in server CPU per operation for a workload (lower is better), when both have it.
pub fn cpu_ratio(report: &Report, workload: Workload, peer: ServerKind) -> Option<f64> {
    let cpu = |s| report.outcome(workload, s)?.median?.server_cpu_us_per_unit;
    let (sio, other) = (cpu(ServerKind::Sio)?, cpu(peer)?);
    (workload.operation().is_some() && other > 0.0).then(|| sio / other)
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
            let mut r = ratio(report, w, p).map_or("–".into(), |r| format!("{r:.2}x"));
            if let Some(c) = cpu_ratio(report, w, p) {
                let _ = write!(r, "<br>{c:.2}x CPU");
            }
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
        "| Client (against the ceiling server) | echo msg/s ({} clients x {} in flight, {} B) | echo msg/s, 1 in flight | RSS per connected client ({} clients) |\n|---|---:|---:|---:|\n",
        z.echoing, z.in_flight, z.payload, z.clients
    );
    for c in &report.clients {
        let failed = || format!("failed: {}", c.error.clone().unwrap_or_default());
        let with_cpu = |rate: Option<f64>, cpu: Option<f64>| match (rate, cpu) {
            (Some(r), Some(c)) => format!("{}<br>{} µs CPU/msg", number(r), micros(c)),
            (Some(r), None) => number(r),
            (None, _) => failed(),
        };
        let rate = with_cpu(c.messages_per_sec, c.cpu_us_per_message);
        let one = with_cpu(c.messages_per_sec_one, c.cpu_us_per_message_one);
        let rss = c
            .rss_per_client_kib
            .map_or("–".into(), |v| format!("{v:.1} KiB"));
        let _ = writeln!(out, "| {} | {rate} | {one} | {rss} |", c.client.name());
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
