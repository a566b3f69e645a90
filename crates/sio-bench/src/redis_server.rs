//! The `redis-server` a cluster workload (W8) runs on: started by the harness on a free loopback port
//! without persistence, in its own temp dir, and killed when dropped. A few blocking RESP2 commands tell
//! when every node of the cluster has subscribed.

use crate::error::BenchError;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Attempts at a free port (another process may take the one we picked before Redis binds it).
const PORT_TRIES: usize = 5;
/// How long Redis may take to answer after it is started.
const START_WAIT: Duration = Duration::from_secs(10);

/// A running `redis-server`; killed (and its temp dir removed) when dropped.
pub struct RedisServer {
    child: Child,
    /// Its loopback port.
    pub port: u16,
    /// Its process id (for `/proc` readings).
    pub pid: u32,
    dir: PathBuf,
}

/// A RESP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`.
    Simple(String),
    /// `-ERR ...`.
    Error(String),
    /// `:3`.
    Int(i64),
    /// `$5 hello` (`None` for the null bulk string).
    Bulk(Option<Vec<u8>>),
    /// `*2 ...` (`None` for the null array).
    Array(Option<Vec<Reply>>),
}

impl RedisServer {
    /// Starts `redis-server` (from `PATH`) on a free loopback port and waits until this very process answers.
    pub fn start() -> Result<Self, BenchError> {
        let mut last = String::new();
        for _ in 0..PORT_TRIES {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
                .local_addr()?
                .port();
            match Self::launch(port)? {
                Ok(server) => return Ok(server),
                Err(why) => last = why,
            }
        }
        Err(BenchError::Server(format!(
            "redis-server did not start: {last}"
        )))
    }

    /// One attempt on `port`: `Ok(Err(why))` when this attempt failed but another port may work.
    fn launch(port: u16) -> Result<Result<Self, String>, BenchError> {
        let dir =
            std::env::temp_dir().join(format!("sio-bench-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let log = dir.join("redis.log");
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--loglevel", "warning"])
            .arg("--dir")
            .arg(&dir)
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| BenchError::Server(format!("cannot start redis-server: {e}")))?;
        let pid = child.id();
        let mut server = RedisServer {
            child,
            port,
            pid,
            dir,
        };
        let deadline = Instant::now() + START_WAIT;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                return Ok(Err(format!("exited ({status}) on port {port}: {log}")));
            }
            if server.is_this_process() {
                return Ok(Ok(server));
            }
            if Instant::now() > deadline {
                return Ok(Err(format!(
                    "no answer on port {port} within {START_WAIT:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the server on our port is our process (and not someone else's that took the port).
    fn is_this_process(&self) -> bool {
        let needle = format!("process_id:{}", self.pid);
        matches!(
            self.command(&["INFO", "server"]),
            Ok(Reply::Bulk(Some(text))) if String::from_utf8_lossy(&text).lines().any(|l| l.trim() == needle)
        )
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Sends one command on a fresh connection and reads its reply.
    pub fn command(&self, args: &[&str]) -> Result<Reply, BenchError> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream.write_all(out.as_bytes())?;
        read_reply(&mut BufReader::new(stream))
    }

    /// Subscribers of `channel` (`PUBSUB NUMSUB`).
    pub fn subscribers(&self, channel: &str) -> Result<i64, BenchError> {
        match self.command(&["PUBSUB", "NUMSUB", channel])? {
            Reply::Array(Some(items)) => match items.get(1) {
                Some(Reply::Int(n)) => Ok(*n),
                other => Err(BenchError::Protocol(format!("NUMSUB answered {other:?}"))),
            },
            other => Err(BenchError::Protocol(format!("NUMSUB answered {other:?}"))),
        }
    }

    /// Clients holding at least one pattern subscription (`psub=` of `CLIENT LIST`; `PUBSUB NUMPAT`
    /// counts distinct patterns, not subscribers).
    pub fn pattern_subscribers(&self) -> Result<usize, BenchError> {
        match self.command(&["CLIENT", "LIST"])? {
            Reply::Bulk(Some(text)) => Ok(String::from_utf8_lossy(&text)
                .lines()
                .filter(|l| {
                    l.split_whitespace()
                        .any(|f| f.strip_prefix("psub=").is_some_and(|n| n != "0"))
                })
                .count()),
            other => Err(BenchError::Protocol(format!(
                "CLIENT LIST answered {other:?}"
            ))),
        }
    }

    /// Waits until `nodes` servers hold the subscriptions their adapter receives broadcasts on: the request
    /// channel of `/` (one subscriber per node, for every adapter here), and for the classic adapter
    /// (`patterns`) the broadcast pattern `socket.io#/#*`.
    pub fn wait_for_cluster(
        &self,
        nodes: usize,
        patterns: bool,
        timeout: Duration,
    ) -> Result<(), BenchError> {
        let deadline = Instant::now() + timeout;
        loop {
            let subs = self.subscribers("socket.io-request#/#")?;
            let psubs = if patterns {
                self.pattern_subscribers()?
            } else {
                nodes
            };
            if subs >= nodes as i64 && psubs >= nodes {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(BenchError::Timeout(format!(
                    "{subs} of {nodes} nodes subscribed to socket.io-request#/# and {psubs} to a pattern \
                     after {timeout:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads one RESP2 reply.
fn read_reply(r: &mut impl BufRead) -> Result<Reply, BenchError> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(BenchError::Closed);
    }
    let line = line.trim_end_matches(['\r', '\n']);
    let (kind, rest) = line.split_at_checked(1).unwrap_or(("", ""));
    let int = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| BenchError::Protocol(format!("bad RESP line {line:?}")))
    };
    Ok(match kind {
        "+" => Reply::Simple(rest.to_owned()),
        "-" => Reply::Error(rest.to_owned()),
        ":" => Reply::Int(int(rest)?),
        "$" => match usize::try_from(int(rest)?) {
            Err(_) => Reply::Bulk(None),
            Ok(len) => {
                let mut buf = vec![0; len + 2];
                r.read_exact(&mut buf)?;
                buf.truncate(len);
                Reply::Bulk(Some(buf))
            }
        },
        "*" => match usize::try_from(int(rest)?) {
            Err(_) => Reply::Array(None),
            Ok(n) => Reply::Array(Some(
                (0..n).map(|_| read_reply(r)).collect::<Result<_, _>>()?,
            )),
        },
        _ => return Err(BenchError::Protocol(format!("bad RESP line {line:?}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_replies() {
        let mut r = &b"*2\r\n$20\r\nsocket.io-request#/#\r\n:3\r\n+OK\r\n$-1\r\n-ERR no\r\n"[..];
        assert_eq!(
            read_reply(&mut r).expect("array"),
            Reply::Array(Some(vec![
                Reply::Bulk(Some(b"socket.io-request#/#".to_vec())),
                Reply::Int(3)
            ]))
        );
        assert_eq!(read_reply(&mut r).expect("ok"), Reply::Simple("OK".into()));
        assert_eq!(read_reply(&mut r).expect("null"), Reply::Bulk(None));
        assert_eq!(
            read_reply(&mut r).expect("error"),
            Reply::Error("ERR no".into())
        );
    }
}
