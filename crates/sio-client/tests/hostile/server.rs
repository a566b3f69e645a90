//! A tiny raw server for the hostile cases: tokio TCP speaking just enough HTTP/1.1 and websocket to
//! misbehave on purpose. Each request goes to the test's handler, with the connection it came on.

use futures_util::future::BoxFuture;
use sio_protocol::websocket::{accept_key, encode_header, OpCode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One HTTP request head (and its body, read when it has a `content-length`).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter of the target.
    pub fn query(&self, key: &str) -> Option<&str> {
        let (_, q) = self.target.split_once('?')?;
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// One accepted connection.
pub struct Conn {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Reads the next request; `None` at the end of the stream.
    pub async fn request(&mut self) -> Option<Request> {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if self.buf.len() > 64 * 1024 || !self.fill().await {
                return None;
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let mut first = lines.next()?.split(' ');
        let method = first.next()?.to_owned();
        let target = first.next()?.to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let mut req = Request {
            method,
            target,
            headers,
            body: Vec::new(),
        };
        let len: usize = req
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while self.buf.len() < len {
            if !self.fill().await {
                return None;
            }
        }
        req.body = self.buf.drain(..len).collect();
        Some(req)
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// Answers a polling request with a complete body (keep-alive).
    pub async fn respond(&mut self, body: &[u8]) {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=UTF-8\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let _ = self.stream.write_all(head.as_bytes()).await;
        let _ = self.stream.write_all(body).await;
    }

    /// Starts a chunked response whose body the caller then writes with [`Conn::chunk`].
    pub async fn respond_chunked(&mut self) {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=UTF-8\r\ntransfer-encoding: chunked\r\n\r\n";
        let _ = self.stream.write_all(head.as_bytes()).await;
    }

    /// Writes one chunk of a chunked body; false once the client is gone.
    pub async fn chunk(&mut self, data: &[u8]) -> bool {
        let mut out = format!("{:x}\r\n", data.len()).into_bytes();
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        self.stream.write_all(&out).await.is_ok()
    }

    /// Accepts a websocket upgrade.
    pub async fn accept_websocket(&mut self, req: &Request) {
        let key = req.header("sec-websocket-key").unwrap_or_default();
        let head = format!(
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: {}\r\n\r\n",
            accept_key(key.as_bytes())
        );
        let _ = self.stream.write_all(head.as_bytes()).await;
    }

    /// Sends one text message; false once the client is gone.
    pub async fn text(&mut self, text: &str) -> bool {
        self.stream.write_all(&text_frame(text)).await.is_ok()
    }

    /// Reads and drops whatever the client sends, until it closes.
    pub async fn drain(mut self) {
        let mut chunk = [0u8; 16 * 1024];
        while let Ok(n) = self.stream.read(&mut chunk).await {
            if n == 0 {
                break;
            }
        }
    }
}

/// A server websocket text frame.
pub fn text_frame(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 10);
    encode_header(&mut out, OpCode::Text, text.len());
    out.extend_from_slice(text.as_bytes());
    out
}

/// The Engine.IO OPEN packet of session `sid`.
pub fn open_packet(sid: &str, ping_interval: u64, ping_timeout: u64, upgrades: &[&str]) -> String {
    let upgrades = serde_json::to_string(upgrades).unwrap();
    format!(
        r#"0{{"sid":"{sid}","upgrades":{upgrades},"pingInterval":{ping_interval},"pingTimeout":{ping_timeout},"maxPayload":1000000}}"#
    )
}

/// The CONNECT reply for the main namespace.
pub fn connect_reply(sid: &str) -> String {
    format!(r#"40{{"sid":"{sid}"}}"#)
}

/// What a handler does with one request: keeps the connection for the next one, or is done with it.
pub type Handler = Arc<dyn Fn(Request, Conn) -> BoxFuture<'static, Option<Conn>> + Send + Sync>;

/// A listening hostile server; stops when dropped.
pub struct Hostile {
    pub port: u16,
    task: JoinHandle<()>,
}

impl Hostile {
    /// Listens on a free loopback port and hands every request to `handler`.
    pub async fn start(
        handler: impl Fn(Request, Conn) -> BoxFuture<'static, Option<Conn>> + Send + Sync + 'static,
    ) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let handler: Handler = Arc::new(handler);
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let handler = handler.clone();
                conns.spawn(async move {
                    let mut conn = Conn {
                        stream,
                        buf: Vec::new(),
                    };
                    while let Some(req) = conn.request().await {
                        match handler(req, conn).await {
                            Some(c) => conn = c,
                            None => break,
                        }
                    }
                });
            }
        });
        Hostile { port, task }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        // the connections' tasks are in the listener task's JoinSet: they end with it
        self.task.abort();
    }
}

/// A well-behaved websocket session (for reconnection): OPEN, the CONNECT reply, then silence with a long
/// ping interval, reading what the client sends until it leaves.
pub async fn good_websocket(req: Request, mut conn: Conn, sid: &str) {
    conn.accept_websocket(&req).await;
    conn.text(&open_packet(sid, 10_000, 5_000, &[])).await;
    conn.text(&connect_reply(sid)).await;
    conn.drain().await;
}

/// A websocket server whose first session opens, answers the client's CONNECT, then sends `frames` (raw
/// websocket frames); the later sessions behave ([`good_websocket`]).
pub async fn scripted_websocket(frames: Vec<Vec<u8>>) -> Hostile {
    let sessions = Arc::new(AtomicUsize::new(0));
    let frames = Arc::new(frames);
    Hostile::start(move |req, mut conn| {
        let n = sessions.fetch_add(1, Ordering::AcqRel);
        let frames = frames.clone();
        Box::pin(async move {
            if n > 0 {
                good_websocket(req, conn, &format!("good{n}")).await;
                return None;
            }
            conn.accept_websocket(&req).await;
            conn.text(&open_packet("bad0", 10_000, 5_000, &[])).await;
            // the client's CONNECT, then the reply, then a moment for the client to handle it
            if !conn.fill().await {
                return None;
            }
            conn.text(&connect_reply("bad0")).await;
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            for f in frames.iter() {
                if conn.stream.write_all(f).await.is_err() {
                    return None;
                }
            }
            conn.drain().await;
            None
        })
    })
    .await
}

/// What the first polling session does with its second GET (after the one carrying the CONNECT reply).
pub type BadGet = Arc<dyn Fn(Conn) -> BoxFuture<'static, ()> + Send + Sync>;

/// A polling server: each handshake opens session `s<n>`; its first GET carries the CONNECT reply and
/// later ones wait for ever (no ping, long interval), except the second GET of session `s0`, which `bad`
/// answers. POSTs get `ok`.
pub async fn scripted_polling(bad: BadGet) -> Hostile {
    polling_server(Some(bad), false).await
}

/// A polling server whose first session (pingInterval 1000, pingTimeout 500) never pings and never
/// answers a POST; the later sessions behave.
pub async fn deaf_polling() -> Hostile {
    polling_server(None, true).await
}

async fn polling_server(bad: Option<BadGet>, deaf: bool) -> Hostile {
    let sessions = Arc::new(AtomicUsize::new(0));
    let gets: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    Hostile::start(move |req, mut conn| {
        let bad = bad.clone();
        let sessions = sessions.clone();
        let gets = gets.clone();
        Box::pin(async move {
            let sid = req.query("sid").map(str::to_owned);
            match (req.method.as_str(), sid) {
                ("POST", Some(sid)) if deaf && sid == "s0" => std::future::pending().await,
                ("POST", _) => conn.respond(b"ok").await,
                ("GET", None) => {
                    let n = sessions.fetch_add(1, Ordering::AcqRel);
                    let (interval, timeout) = if deaf && n == 0 {
                        (1000, 500)
                    } else {
                        (10_000, 5_000)
                    };
                    conn.respond(open_packet(&format!("s{n}"), interval, timeout, &[]).as_bytes())
                        .await
                }
                ("GET", Some(sid)) => {
                    let nth = {
                        let mut gets = gets.lock().unwrap();
                        let c = gets.entry(sid.clone()).or_default();
                        *c += 1;
                        *c
                    };
                    match nth {
                        1 => conn.respond(connect_reply(&sid).as_bytes()).await,
                        2 if sid == "s0" => {
                            if let Some(bad) = bad {
                                bad(conn).await;
                                return None;
                            }
                            std::future::pending().await
                        }
                        _ => std::future::pending().await,
                    }
                }
                _ => return None,
            }
            Some(conn)
        })
    })
    .await
}

/// A server that accepts connections and reads requests but never answers any.
pub async fn silent_server() -> Hostile {
    Hostile::start(|_req, conn| {
        Box::pin(async move {
            conn.drain().await;
            None
        })
    })
    .await
}

/// A websocket server whose first session (pingInterval 200, pingTimeout 200) pings once, then goes
/// silent; the later sessions behave.
pub async fn pings_then_silence() -> Hostile {
    let sessions = Arc::new(AtomicUsize::new(0));
    Hostile::start(move |req, mut conn| {
        let n = sessions.fetch_add(1, Ordering::AcqRel);
        Box::pin(async move {
            if n > 0 {
                good_websocket(req, conn, "good").await;
                return None;
            }
            conn.accept_websocket(&req).await;
            conn.text(&open_packet("quiet", 200, 200, &[])).await;
            conn.text(&connect_reply("quiet")).await;
            conn.text("2").await;
            conn.drain().await;
            None
        })
    })
    .await
}
