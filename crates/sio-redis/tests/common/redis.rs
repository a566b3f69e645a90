//! A throwaway `redis-server` on a free loopback port, without persistence, in its own temp dir; it can be
//! stopped, restarted on the same port, frozen; killed on drop.

use super::ports::free_port;
use super::process::ChildProcess;
use super::resp::{command, Reply};
use super::tempdir::TempDir;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;

/// How long a starting server gets to answer.
const START_WAIT: Duration = Duration::from_secs(10);
/// Free ports tried before giving up on a fresh start.
const PORT_TRIES: usize = 20;
/// How long a restart retries while its port is still busy.
const RESTART_WAIT: Duration = Duration::from_secs(10);

pub struct RedisServer {
    // declared before `dir`: the process dies before its directory goes
    proc: Option<ChildProcess>,
    port: u16,
    extra: Vec<String>,
    dir: TempDir,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers.
    pub async fn start() -> RedisServer {
        Self::start_with(&[]).await
    }

    /// [`Self::start`] with extra `redis-server` arguments (kept for [`Self::restart`]).
    pub async fn start_with(extra: &[&str]) -> RedisServer {
        let extra: Vec<String> = extra.iter().map(ToString::to_string).collect();
        let dir = TempDir::new("server");
        for _ in 0..PORT_TRIES {
            let port = free_port();
            if let Some(proc) = launch(port, dir.path(), &extra).await {
                return RedisServer {
                    proc: Some(proc),
                    port,
                    extra,
                    dir,
                };
            }
        }
        panic!("redis-server found its port in use {PORT_TRIES} times in a row");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn is_running(&self) -> bool {
        self.proc.is_some()
    }

    /// Sends one command on a fresh connection.
    pub async fn command(&self, args: &[&str]) -> io::Result<Reply> {
        command(self.addr(), args).await
    }

    /// Kills the server (SIGKILL: no goodbye to its clients) and waits for its exit.
    pub async fn stop(&mut self) {
        if let Some(mut proc) = self.proc.take() {
            proc.kill().await;
        }
    }

    /// Stops the server, then starts it again on the same port (retrying while the port is busy) and waits
    /// until it answers. Its data is gone: there is no persistence.
    pub async fn restart(&mut self) {
        self.stop().await;
        let deadline = Instant::now() + RESTART_WAIT;
        loop {
            if let Some(proc) = launch(self.port, self.dir.path(), &self.extra).await {
                self.proc = Some(proc);
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server could not get port {} back within {RESTART_WAIT:?}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing is answered.
    pub fn pause(&self) {
        if let Some(p) = &self.proc {
            p.pause();
        }
    }

    /// Unfreezes the server (SIGCONT).
    pub fn resume(&self) {
        if let Some(p) = &self.proc {
            p.resume();
        }
    }

    /// The server's output so far.
    pub fn dump(&self) -> String {
        self.proc
            .as_ref()
            .map_or_else(String::new, ChildProcess::dump)
    }
}

/// Starts `redis-server` on `port` with `dir` as its working dir plus `extra` arguments, and waits until this
/// very process answers. None if the port (or, for a cluster node, its bus port) was in use.
pub(super) async fn launch(port: u16, dir: &Path, extra: &[String]) -> Option<ChildProcess> {
    let port_arg = port.to_string();
    let dir_arg = dir.to_str().expect("temp dir path is UTF-8");
    let mut args = vec![
        "--port",
        &port_arg,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir_arg,
        "--daemonize",
        "no",
    ];
    args.extend(extra.iter().map(String::as_str));
    let mut proc = ChildProcess::spawn("redis-server", &args, &[]).await;
    let pid = proc.id().expect("redis-server has a pid");
    let deadline = Instant::now() + START_WAIT;
    loop {
        if let Some(status) = proc.try_status() {
            proc.wait_output_end(Duration::from_secs(2)).await;
            let out = proc.dump();
            if out.contains("Address already in use") {
                return None;
            }
            panic!("redis-server on port {port} exited ({status}) before answering\n{out}");
        }
        if is_process(port, pid).await {
            return Some(proc);
        }
        assert!(
            Instant::now() < deadline,
            "redis-server on port {port} did not answer within {START_WAIT:?}\n{}",
            proc.dump()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether the server on `port` answers and is process `pid` (not another test's server that took the port).
async fn is_process(port: u16, pid: u32) -> bool {
    let info = command(("127.0.0.1", port), &["INFO", "server"]);
    match tokio::time::timeout(Duration::from_secs(1), info).await {
        Ok(Ok(reply)) => reply
            .text()
            .is_some_and(|t| t.lines().any(|l| l == format!("process_id:{pid}"))),
        _ => false,
    }
}
