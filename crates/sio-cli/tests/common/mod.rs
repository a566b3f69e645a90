//! Test harness: the `sio` binary run as a user runs it (a child process with its output read line by
//! line, every wait bounded), `sio serve` on a free port, the official Node server, and a tmux terminal.
#![allow(dead_code)]

pub mod terminal;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The longest any single wait of these tests takes on a loaded machine.
pub const WAIT: Duration = Duration::from_secs(30);

/// The `sio` binary.
pub fn sio() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sio"));
    cmd.env("RUST_LOG", "warn");
    cmd
}

/// The repository's `tests/js` directory (the official npm packages).
pub fn js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js")
}

/// A child process whose stdout lines arrive on a channel; killed when dropped.
pub struct Proc {
    child: Child,
    /// Kept open: the Node servers exit when their stdin ends.
    _stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
    /// Every stdout line read so far.
    pub seen: Vec<String>,
}

impl Proc {
    /// Starts `cmd` with piped stdout and stderr.
    pub fn spawn(mut cmd: Command) -> Proc {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the program starts");
        Proc {
            lines: reader(child.stdout.take().expect("stdout")),
            stderr: reader(child.stderr.take().expect("stderr")),
            _stdin: child.stdin.take(),
            child,
            seen: Vec::new(),
        }
    }

    /// The next stdout line, or `None` at the end of the output or after `within`.
    pub fn next_line(&mut self, within: Duration) -> Option<String> {
        let line = self.lines.recv_timeout(within).ok()?;
        self.seen.push(line.clone());
        Some(line)
    }

    /// Reads stdout lines until one satisfies `pred`; panics with the output after [`WAIT`].
    pub fn wait_line(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_line(left) {
                Some(line) if pred(&line) => return line,
                Some(_) => {}
                None => panic!(
                    "no line {what} within {WAIT:?}; stdout: {:?}; stderr: {}",
                    self.seen,
                    self.stderr_text()
                ),
            }
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits (bounded) for the process to exit, then returns its status and the rest of its stdout.
    pub fn finish(&mut self) -> (ExitStatus, Vec<String>) {
        self.finish_within(WAIT)
    }

    /// [`Proc::finish`] with a bound of its own.
    pub fn finish_within(&mut self, within: Duration) -> (ExitStatus, Vec<String>) {
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "still running after {within:?}; stdout: {:?}; stderr: {}",
                self.seen,
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        while let Some(line) = self.next_line(Duration::from_secs(2)) {
            let _ = line;
        }
        (status, self.seen.clone())
    }

    /// What the process wrote on stderr so far.
    pub fn stderr_text(&self) -> String {
        self.stderr.try_iter().collect::<Vec<_>>().join("\n")
    }

    /// Sends SIGINT (Ctrl-C).
    pub fn interrupt(&self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn reader(stream: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Runs `sio ARGS` to its end (bounded): its status and stdout lines.
pub fn run_sio(args: &[&str]) -> (ExitStatus, Vec<String>, String) {
    let mut cmd = sio();
    cmd.args(args);
    let mut proc = Proc::spawn(cmd);
    let (status, lines) = proc.finish();
    let stderr = proc.stderr_text();
    (status, lines, stderr)
}

/// The JSON lines of a scripted `sio connect`.
pub fn json_lines(lines: &[String]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// `sio serve` on a free port.
pub struct Serve {
    pub proc: Proc,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Serve {
    /// Starts `sio serve --port 0 EXTRA` and waits until it listens.
    pub fn start(extra: &[&str]) -> Serve {
        let mut cmd = sio();
        cmd.args(["serve", "--port", "0"]).args(extra);
        let mut proc = Proc::spawn(cmd);
        let line = proc.wait_line("listening", |l| l.contains("listening on http://"));
        let at = line.find("http://").expect("url") + "http://".len();
        let addr: String = line[at..].chars().take_while(|c| *c != '/').collect();
        Serve {
            proc,
            url: format!("http://{addr}"),
        }
    }

    /// `host:port`.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }
}

/// The official Node server of the client tests (`tests/js/client/server.js`: `echo` emits back or
/// acknowledges, every namespace is open), on a free port.
pub struct NodeServer {
    pub proc: Proc,
    pub url: String,
}

impl NodeServer {
    pub fn start(cfg: &str) -> NodeServer {
        let mut cmd = Command::new("node");
        cmd.arg(js_dir().join("client/server.js"))
            .arg(cfg)
            .current_dir(js_dir().join("client"));
        let mut proc = Proc::spawn(cmd);
        let line = proc.wait_line("PORT", |l| l.starts_with("PORT "));
        let port: u16 = line[5..].trim().parse().expect("port");
        NodeServer {
            proc,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}
