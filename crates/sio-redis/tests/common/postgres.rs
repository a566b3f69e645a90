//! A throwaway PostgreSQL cluster of the test's own (`initdb` + `pg_ctl`) on a free loopback port, with trust
//! authentication, in its own temp dir; it can be stopped and started again on the same port, so a test can
//! restart PostgreSQL without touching the machine's shared server. Stopped (immediate mode, then SIGKILL
//! of the postmaster if needed) on drop.
//!
//! PostgreSQL refuses to run as root: when the tests run as root, every command goes through
//! `runuser -u postgres --` and the data directory belongs to `postgres`.

use super::ports::free_port;
use super::process::run_command;
use super::tempdir::TempDir;
use std::path::PathBuf;
use std::time::Duration;
use tokio::time::Instant;

/// How long `initdb` may take.
const INITDB_WAIT: Duration = Duration::from_secs(60);
/// How long `pg_ctl start -w` / `stop -w` may take (the same bound is given to pg_ctl itself).
const CTL_WAIT: Duration = Duration::from_secs(30);
/// Free ports tried before giving up on a fresh start.
const PORT_TRIES: usize = 10;
/// How long a restart retries while its port is still busy.
const RESTART_WAIT: Duration = Duration::from_secs(10);
/// The system user that runs PostgreSQL when the tests run as root.
const SYSTEM_USER: &str = "postgres";

pub struct PostgresServer {
    port: u16,
    running: bool,
    /// `<tmp>/pg`, owned by the server's user: `data/`, the log, and the Unix socket.
    home: PathBuf,
    // last: removed once the server is gone
    _dir: TempDir,
}

impl PostgresServer {
    /// `initdb` in a fresh temp dir, then starts the server on a free port and waits until it accepts
    /// connections.
    pub async fn start() -> PostgresServer {
        let dir = TempDir::new("postgres");
        let home = dir.path().join("pg");
        std::fs::create_dir(&home).expect("create the postgres home");
        if is_root() {
            let status = std::process::Command::new("chown")
                .arg(format!("{SYSTEM_USER}:"))
                .arg(&home)
                .status()
                .expect("chown");
            assert!(status.success(), "chown {SYSTEM_USER}: {}", home.display());
        }
        let data = home.join("data");
        let data_arg = data.to_str().expect("UTF-8 path");
        let (status, out, err) = ctl(
            "initdb",
            &[
                "-D",
                data_arg,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            INITDB_WAIT,
        )
        .await;
        assert!(status.success(), "initdb failed ({status})\n{out}\n{err}");
        let mut server = PostgresServer {
            port: 0,
            running: false,
            home,
            _dir: dir,
        };
        for _ in 0..PORT_TRIES {
            server.port = free_port();
            if server.launch().await {
                return server;
            }
        }
        panic!("postgres found its port in use {PORT_TRIES} times in a row");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (`pg_ctl stop -m fast`: every session is terminated, as in a service restart)
    /// and waits until it is gone.
    pub async fn stop(&mut self) {
        if !self.running {
            return;
        }
        let data = self.data();
        let (status, out, err) = ctl(
            "pg_ctl",
            &["-D", &data, "-m", "fast", "-w", "-t", "20", "stop"],
            CTL_WAIT,
        )
        .await;
        assert!(
            status.success(),
            "pg_ctl stop failed ({status})\n{out}\n{err}\n{}",
            self.log()
        );
        self.running = false;
    }

    /// Stops the server, then starts it again on the same port (retrying while the port is busy) and
    /// waits until it accepts connections. The data (and so the attachments table) is kept.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start_again().await;
    }

    /// Starts a stopped server again on its port.
    pub async fn start_again(&mut self) {
        let deadline = Instant::now() + RESTART_WAIT;
        while !self.launch().await {
            assert!(
                Instant::now() < deadline,
                "postgres could not get port {} back within {RESTART_WAIT:?}\n{}",
                self.port,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The server log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.home.join("log")).unwrap_or_default()
    }

    fn data(&self) -> String {
        self.home.join("data").to_string_lossy().into_owned()
    }

    /// `pg_ctl start -w` on `self.port`; false if the port was taken, panics on any other failure.
    async fn launch(&mut self) -> bool {
        let data = self.data();
        let log = self.home.join("log").to_string_lossy().into_owned();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.home.display()
        );
        let (status, out, err) = ctl(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "20", "start",
            ],
            CTL_WAIT,
        )
        .await;
        if status.success() {
            self.running = true;
            return true;
        }
        let log = self.log();
        if log.contains("could not bind") || log.contains("Address already in use") {
            return false;
        }
        panic!("pg_ctl start failed ({status})\n{out}\n{err}\n{log}");
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        if !self.running {
            return;
        }
        let data = self.data();
        let args = [
            "-D",
            data.as_str(),
            "-m",
            "immediate",
            "-w",
            "-t",
            "5",
            "stop",
        ];
        let stopped = command("pg_ctl", &args).status().is_ok_and(|s| s.success());
        if !stopped {
            // the postmaster's pid is the first line of postmaster.pid
            let pid = std::fs::read_to_string(self.home.join("data/postmaster.pid"))
                .ok()
                .and_then(|s| s.lines().next().map(str::to_owned));
            if let Some(pid) = pid {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &pid])
                    .status();
            }
        }
    }
}

/// Whether this process runs as root (PostgreSQL then has to run as another user).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next().map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

/// `program args...`, as the server's user.
fn command(program: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = if is_root() {
        let mut cmd = std::process::Command::new("runuser");
        cmd.args(["-u", SYSTEM_USER, "--", program]);
        cmd
    } else {
        std::process::Command::new(program)
    };
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

/// Runs `program args...` to completion as the server's user; (status, stdout, stderr).
async fn ctl(
    program: &str,
    args: &[&str],
    timeout: Duration,
) -> (std::process::ExitStatus, String, String) {
    if is_root() {
        let mut all = vec!["-u", SYSTEM_USER, "--", program];
        all.extend_from_slice(args);
        run_command("runuser", &all, timeout).await
    } else {
        run_command(program, args, timeout).await
    }
}
