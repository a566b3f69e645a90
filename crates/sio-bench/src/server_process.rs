//! Starting a server under test as a child process on a loopback ephemeral port, and stopping it.

use crate::error::BenchError;
use crate::server_kind::ServerKind;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Where the server programs are.
#[derive(Debug, Clone)]
pub struct ServerPrograms {
    /// The `sio-bench-server` binary.
    pub sio: PathBuf,
    /// The `ceiling-server` binary.
    pub ceiling: PathBuf,
    /// The socketioxide peer binary (built on demand, see [`crate::peer_build`]).
    pub socketioxide: Option<PathBuf>,
    /// The `client-echo` binary (sio-client under load, for the client-side comparison).
    pub client_echo: PathBuf,
    /// The rust_socketio peer client (built on demand when the client side runs).
    pub rust_socketio_client: Option<PathBuf>,
    /// `tests/js` of the repository (holds `node_modules` and `bench/server.js`).
    pub node_dir: PathBuf,
}

/// A running server; killed when dropped.
pub struct ServerProcess {
    child: Child,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its process id (for `/proc` readings).
    pub pid: u32,
    /// Which server it is.
    pub kind: ServerKind,
}

impl ServerProcess {
    /// Starts `kind` and waits (up to 30 s) for its `listening on <addr>` line.
    pub fn start(kind: ServerKind, programs: &ServerPrograms) -> Result<Self, BenchError> {
        Self::start_node(kind, programs, &[])
    }

    /// `count` servers of `kind` with the same `extra` arguments (a cluster's nodes), started side by side.
    pub fn start_nodes(
        kind: ServerKind,
        programs: &ServerPrograms,
        extra: &[String],
        count: usize,
    ) -> Result<Vec<Self>, BenchError> {
        std::thread::scope(|s| {
            let starting: Vec<_> = (0..count)
                .map(|_| s.spawn(|| Self::start_node(kind, programs, extra)))
                .collect();
            starting
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(BenchError::Server("node start panicked".into())))
                })
                .collect()
        })
    }

    /// [`ServerProcess::start`] with `extra` arguments after the port: the cluster options
    /// (`--redis URL`, ...), `--deflate`.
    pub fn start_node(
        kind: ServerKind,
        programs: &ServerPrograms,
        extra: &[String],
    ) -> Result<Self, BenchError> {
        let mut cmd = match kind {
            ServerKind::Sio => Command::new(&programs.sio),
            ServerKind::Ceiling => Command::new(&programs.ceiling),
            ServerKind::Socketioxide => {
                let bin = programs
                    .socketioxide
                    .as_ref()
                    .ok_or_else(|| BenchError::Server("socketioxide peer was not built".into()))?;
                Command::new(bin)
            }
            ServerKind::Node => {
                let mut c = Command::new("node");
                c.arg("bench/server.js").current_dir(&programs.node_dir);
                c
            }
        };
        cmd.arg("0").args(extra);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd
            .spawn()
            .map_err(|e| BenchError::Server(format!("cannot start {kind}: {e}")))?;
        let pid = child.id();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| BenchError::Server("no stdout".into()))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the server never blocks on a full pipe.
            let _ = std::io::copy(&mut reader.take(u64::MAX), &mut std::io::sink());
        });
        let mut process = ServerProcess {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            pid,
            kind,
        };
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| BenchError::Server(format!("{kind} did not report its address")))?;
        process.addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| BenchError::Server(format!("{kind} printed {line:?}")))?;
        Ok(process)
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
