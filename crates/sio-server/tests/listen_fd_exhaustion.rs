//! `Engine::listen` when file descriptors run out: a server in a child process (this test binary run
//! again under `prlimit --nofile`, see [`fd_limited_server`]) keeps serving the clients it has, closes
//! surplus clients at once instead of leaving them in the listen backlog, accepts again once
//! descriptors come back, and logs a bounded number of lines about it.

mod engine_support;

use engine_support::{fast_config, Recorder};
use sio_server::engine::Engine;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The child's descriptor limit: a few dozen connections beyond what the runtime itself holds.
const FD_LIMIT: u32 = 48;

/// Set in the child's environment.
const CHILD_ENV: &str = "SIO_TEST_FD_LIMITED_CHILD";

/// How long a surplus client may wait for its connection to close.
const FAIL_FAST: Duration = Duration::from_secs(3);

/// The child's half, run only by [`surplus_clients_are_closed_at_once_and_the_server_recovers`]:
/// an echo engine logging to stderr, its port on stdout, until its stdin closes (60 s at most).
#[tokio::test]
#[ignore = "the child process of surplus_clients_are_closed_at_once_and_the_server_recovers"]
async fn fd_limited_server() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter("warn")
        .init();
    let (tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::new(fast_config(), Recorder(tx));
    let server = engine.listen("127.0.0.1:0").await.expect("bind");
    println!("PORT {}", server.local_addr().port());
    let (closed, stdin_closed) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
        let _ = closed.send(());
    });
    let _ = tokio::time::timeout(Duration::from_secs(60), stdin_closed).await;
    drop(server);
}

/// A keep-alive HTTP connection to the child.
struct Conn(TcpStream);

impl Conn {
    /// Sends `request` and reads one answer (status and body); `None` when the server closes the
    /// connection without one. Fails the test if nothing happens within 5 s.
    async fn ask(&mut self, request: &str) -> Option<(u16, String)> {
        self.0.write_all(request.as_bytes()).await.ok()?;
        tokio::time::timeout(Duration::from_secs(5), read_answer(&mut self.0))
            .await
            .expect("an answer or a close within 5 s, not a hang")
    }
}

async fn read_answer(tcp: &mut TcpStream) -> Option<(u16, String)> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let status = head.split(' ').nth(1)?.parse().ok()?;
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap_or(0));
            if raw.len() >= end + 4 + length {
                let body = String::from_utf8_lossy(&raw[end + 4..end + 4 + length]).into_owned();
                return Some((status, body));
            }
        }
        match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
}

const HANDSHAKE: &str = "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nhost: x\r\n\r\n";

/// Opens a connection and a polling session on it: the connection and the session id, or `None`
/// when the server closes the connection instead.
async fn open(addr: SocketAddr) -> Option<(Conn, String)> {
    let mut conn = Conn(TcpStream::connect(addr).await.expect("connect"));
    let (status, body) = conn.ask(HANDSHAKE).await?;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body[1..]).expect("open packet");
    Some((conn, v["sid"].as_str().expect("sid").to_owned()))
}

#[tokio::test]
async fn surplus_clients_are_closed_at_once_and_the_server_recovers() {
    let mut child = tokio::process::Command::new("prlimit")
        .arg(format!("--nofile={FD_LIMIT}:{FD_LIMIT}"))
        .arg(std::env::current_exe().expect("test binary"))
        .args(["--exact", "fd_limited_server", "--ignored", "--nocapture"])
        .env(CHILD_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("prlimit (util-linux) runs the child");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let port: u16 = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.expect("read") {
            if let Some(port) = line.strip_prefix("PORT ") {
                return port.parse().expect("a port");
            }
        }
        panic!("the child ended without a port");
    })
    .await
    .expect("the child starts in time");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));

    // Sessions on kept-alive connections until the server has no descriptor left for the next one.
    let mut held = Vec::new();
    for _ in 0..FD_LIMIT {
        match open(addr).await {
            Some(session) => held.push(session),
            None => break,
        }
    }
    assert!(
        !held.is_empty() && held.len() < FD_LIMIT as usize,
        "{} connections held: the limit was not reached",
        held.len()
    );

    let held_count = held.len();

    // Surplus clients, all at once: each sees its connection closed quickly.
    let begun = Instant::now();
    let surplus: Vec<_> = (0..30)
        .map(|_| tokio::spawn(async move { (open(addr).await.is_none(), begun.elapsed()) }))
        .collect();
    for task in surplus {
        let (refused, waited) = task.await.expect("surplus client");
        assert!(refused, "a surplus client was served");
        assert!(waited < FAIL_FAST, "a surplus client waited {waited:?}");
    }

    // The clients the server has are still served.
    let (conn, sid) = held.first_mut().expect("a held session");
    let url = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let post = format!(
        "POST {url} HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain;charset=UTF-8\r\ncontent-length: 6\r\n\r\n4hello"
    );
    assert_eq!(conn.ask(&post).await, Some((200, "ok".to_owned())));
    let get = format!("GET {url} HTTP/1.1\r\nhost: x\r\n\r\n");
    assert_eq!(conn.ask(&get).await, Some((200, "4hello".to_owned())));

    // Descriptors come back: new clients are served again.
    held.truncate(held.len() - 4);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if open(addr).await.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    drop(child.stdin.take());
    let mut log = String::new();
    let mut stderr = child.stderr.take().expect("stderr");
    tokio::time::timeout(Duration::from_secs(10), stderr.read_to_string(&mut log))
        .await
        .expect("the child ends")
        .expect("read the log");
    let accept_lines = log.lines().filter(|l| l.contains("accept")).count();
    eprintln!("{held_count} sessions held before the limit; the child's log:\n{log}");
    assert!(
        (1..=4).contains(&accept_lines),
        "{accept_lines} lines about accepting:\n{log}"
    );
}
