//! What one workload measured on one server: every run and their median.

use crate::server_kind::ServerKind;
use crate::workload::{Size, Workload};
use serde::Serialize;

/// One measured run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Sample {
    /// The headline value in the workload's unit.
    pub value: f64,
    /// Median round-trip latency in microseconds, where the workload measures it.
    pub p50_us: Option<f64>,
    /// 99th-percentile round-trip latency in microseconds.
    pub p99_us: Option<f64>,
    /// Server CPU time (user + system) per unit of work, in microseconds; summed over the nodes of a
    /// cluster workload.
    pub server_cpu_us_per_unit: Option<f64>,
    /// Server CPU use during the run, in cores (1.0 = one core busy); summed over the nodes.
    pub server_cores: f64,
    /// Server resident memory at the end of the run, in KiB; summed over the nodes.
    pub server_rss_kib: u64,
    /// Redis CPU time per unit of work, in microseconds (cluster workloads only).
    pub redis_cpu_us_per_unit: Option<f64>,
    /// The load generator's own CPU use during the run, in cores (its whole process).
    pub client_cores: f64,
    /// The whole machine's CPU use during the run, in cores: what exceeds server + Redis + generator is
    /// other work that disturbed the run (and the kernel's softirq time charged to no process).
    pub machine_cores: f64,
}

/// The result of one workload x server cell.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Which workload.
    pub workload: Workload,
    /// Which server.
    pub server: ServerKind,
    /// Unit of `value`.
    pub unit: &'static str,
    /// How big the workload was.
    pub size: Size,
    /// Every measured run.
    pub runs: Vec<Sample>,
    /// Field-wise median of the runs.
    pub median: Option<Sample>,
    /// Connections or handshakes that failed during the workload.
    pub failed_connections: u64,
    /// Why the cell has no value, or the first connection error seen.
    pub error: Option<String>,
}

impl Outcome {
    /// The median headline value, if the workload produced one.
    pub fn value(&self) -> Option<f64> {
        self.median.map(|m| m.value)
    }
}

/// The median of some values (`None` when empty).
pub fn median_value(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    })
}

/// Field-wise median of `runs` (`None` when empty).
pub fn median(runs: &[Sample]) -> Option<Sample> {
    if runs.is_empty() {
        return None;
    }
    let med =
        |f: &dyn Fn(&Sample) -> Option<f64>| median_value(runs.iter().filter_map(f).collect());
    Some(Sample {
        value: med(&|s| Some(s.value)).unwrap_or(0.0),
        p50_us: med(&|s| s.p50_us),
        p99_us: med(&|s| s.p99_us),
        server_cpu_us_per_unit: med(&|s| s.server_cpu_us_per_unit),
        server_cores: med(&|s| Some(s.server_cores)).unwrap_or(0.0),
        server_rss_kib: med(&|s| Some(s.server_rss_kib as f64)).unwrap_or(0.0) as u64,
        redis_cpu_us_per_unit: med(&|s| s.redis_cpu_us_per_unit),
        client_cores: med(&|s| Some(s.client_cores)).unwrap_or(0.0),
        machine_cores: med(&|s| Some(s.machine_cores)).unwrap_or(0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_field_wise() {
        let s = |value, p99| Sample {
            value,
            p99_us: p99,
            ..Sample::default()
        };
        let m = median(&[s(3.0, Some(10.0)), s(1.0, None), s(2.0, Some(30.0))]).expect("some");
        assert_eq!(m.value, 2.0);
        assert_eq!(m.p99_us, Some(20.0));
        assert!(median(&[]).is_none());
    }
}
