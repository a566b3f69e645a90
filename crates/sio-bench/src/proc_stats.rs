//! Reading a server's resident memory and CPU time from `/proc/<pid>`.

use std::fs;

/// One reading of a process's resources.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcSample {
    /// Resident set size in KiB (`VmRSS` of `/proc/<pid>/status`).
    pub rss_kib: u64,
    /// User + system CPU time in seconds (`utime + stime` of `/proc/<pid>/stat`).
    pub cpu_secs: f64,
}

/// Reads `/proc/<pid>/{status,stat}`; `None` when the process is gone or the files are unreadable.
pub fn sample(pid: u32) -> Option<ProcSample> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(ProcSample {
        rss_kib: parse_rss_kib(&status)?,
        cpu_secs: parse_cpu_ticks(&stat)? as f64 / clock_ticks_per_sec(),
    })
}

/// The `VmRSS:` line of a status file, in KiB.
fn parse_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// utime + stime (fields 14 and 15) of a stat file, in clock ticks. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted after its closing parenthesis.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// CPU seconds the whole machine spent busy (every CPU, user + nice + system + irq + softirq + steal, from
/// the first line of `/proc/stat`), to tell how much other work ran beside a measurement.
pub fn machine_busy_secs() -> Option<f64> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    parse_machine_busy_ticks(stat.lines().next()?).map(|t| t as f64 / clock_ticks_per_sec())
}

/// Busy ticks of the `cpu` line of `/proc/stat` (fields: user nice system idle iowait irq softirq steal).
fn parse_machine_busy_ticks(line: &str) -> Option<u64> {
    let mut f = line.strip_prefix("cpu ")?.split_whitespace();
    let mut next = || -> Option<u64> { f.next()?.parse().ok() };
    let (user, nice, system, _idle, _iowait) = (next()?, next()?, next()?, next()?, next()?);
    let (irq, softirq, steal) = (next()?, next()?, next().unwrap_or(0));
    Some(user + nice + system + irq + softirq + steal)
}

fn clock_ticks_per_sec() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_and_stat() {
        let status = "Name:\tx\nVmPeak:\t  9 kB\nVmRSS:\t  12345 kB\nThreads:\t2\n";
        assert_eq!(parse_rss_kib(status), Some(12345));
        let stat = "42 (a b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0";
        assert_eq!(parse_cpu_ticks(stat), Some(12));
        let cpu = "cpu  100 2 30 5000 7 1 4 3 0 0";
        assert_eq!(parse_machine_busy_ticks(cpu), Some(140));
        assert_eq!(parse_machine_busy_ticks("cpu0 1 2 3 4 5 6 7 8"), None);
    }

    #[test]
    fn samples_this_process() {
        let s = sample(std::process::id()).expect("own /proc entry");
        assert!(s.rss_kib > 0);
    }
}
