//! Where the measuring loop's progress goes: a line on stderr about once a second, unless the program
//! installed its own display (a progress bar) with [`set_display`].

use std::sync::OnceLock;

/// One progress report of a running workload.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// Clients are still connecting.
    Connecting {
        /// The workload's label.
        label: &'a str,
        /// Connections up so far.
        connected: u64,
        /// Connections expected.
        expected: u64,
        /// Connections that failed so far.
        failed: u64,
    },
    /// The rate of the last second of a warm-up or a measured run.
    Rate {
        /// The phase's label (`W3 echo 32 B / sio run 1/3`).
        label: &'a str,
        /// Units of work per second.
        rate: f64,
        /// The unit.
        unit: &'a str,
        /// Connections up.
        connected: u64,
        /// Connections that failed.
        failed: u64,
    },
    /// A finished run or phase, as a line of text.
    Done(&'a str),
}

type Display = Box<dyn Fn(&Progress<'_>) + Send + Sync>;

static DISPLAY: OnceLock<Display> = OnceLock::new();

/// Sends every later progress report of this process to `display` instead of stderr. A process has one
/// display: this returns false (and changes nothing) when one was installed before.
pub fn set_display(display: impl Fn(&Progress<'_>) + Send + Sync + 'static) -> bool {
    DISPLAY.set(Box::new(display)).is_ok()
}

/// Reports progress to the installed display, or as a line on stderr.
pub(crate) fn show(progress: Progress<'_>) {
    if let Some(display) = DISPLAY.get() {
        return display(&progress);
    }
    match progress {
        Progress::Connecting {
            label,
            connected,
            expected,
            failed,
        } => eprintln!("  {label}: connecting {connected}/{expected} (failed {failed})"),
        Progress::Rate {
            label,
            rate,
            unit,
            connected,
            failed,
        } => eprintln!("  {label}: {rate:>12.0} {unit} (connected {connected}, failed {failed})"),
        Progress::Done(line) => eprintln!("  {line}"),
    }
}
