//! socketioxide speaking sio's benchmark event contract (see BENCHMARKS.md), for side-by-side runs.
//!
//! Usage: `socketioxide-bench-server [port] [--redis URL]` (port 0 or absent: an ephemeral port). Prints
//! `listening on 127.0.0.1:<port>` on stdout once it accepts connections. With `--redis`, the server joins
//! a cluster through socketioxide-redis (its own protocol, not wire-compatible with Node's adapter), so
//! `io.emit` reaches the clients of every node (W8).

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide::SocketIo;
use socketioxide_core::adapter::DefinedAdapter;
use socketioxide_redis::drivers::redis::redis_client;
use socketioxide_redis::{RedisAdapter, RedisAdapterCtr};
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::net::{TcpListener, TcpStream};

/// Raises the soft open-file limit to the hard limit: 10,000 clients need 10,000 sockets.
fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read/write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// The `room` query parameter of the connection request, if any.
fn room_of(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .find_map(|kv| kv.strip_prefix("room="))
        .map(str::to_owned)
}

fn main() -> std::io::Result<()> {
    raise_fd_limit();
    let (port, redis) = parse_args()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            match redis {
                None => {
                    let (svc, io) = SocketIo::new_svc();
                    register(&io);
                    serve(port, move |stream| {
                        let svc = svc.clone();
                        async move {
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), svc)
                                .with_upgrades()
                                .await;
                        }
                    })
                    .await
                }
                Some(url) => {
                    // socketioxide-redis's drivers speak RESP3 (Redis 7+), asked for in the URL.
                    let sep = if url.contains('?') { '&' } else { '?' };
                    let client = redis_client::Client::open(format!("{url}{sep}protocol=resp3"))
                        .map_err(std::io::Error::other)?;
                    let adapter = RedisAdapterCtr::new_with_redis(&client)
                        .await
                        .map_err(std::io::Error::other)?;
                    let (svc, io) = SocketIo::builder()
                        .with_adapter::<RedisAdapter<_>>(adapter)
                        .build_svc();
                    // Resolves once the namespace's adapter is subscribed to its channels.
                    register(&io).await.map_err(std::io::Error::other)?;
                    serve(port, move |stream| {
                        let svc = svc.clone();
                        async move {
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), svc)
                                .with_upgrades()
                                .await;
                        }
                    })
                    .await
                }
            }
        })
}

/// The port (first positional argument, 0 when absent) and the `--redis` URL, if any.
fn parse_args() -> std::io::Result<(u16, Option<String>)> {
    let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
    let (mut port, mut redis) = (0, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--redis" {
            redis = Some(
                args.next()
                    .ok_or_else(|| bad("--redis needs a URL".into()))?,
            );
        } else {
            port = arg.parse().map_err(|_| bad(format!("bad port {arg:?}")))?;
        }
    }
    Ok((port, redis))
}

/// Registers the `/` namespace and its event handlers on `io`; returns the adapter's init result
/// (nothing for the local adapter, a future for the Redis one).
fn register<A: Adapter + DefinedAdapter>(io: &SocketIo<A>) -> A::InitRes {
    // W10: the namespaces /ns/<number> echo `echo`.
    let _ = io.dyn_ns("/ns/{n}", async |s: SocketRef<A>| {
        s.on("echo", async |s: SocketRef<A>, Data::<Value>(d)| {
            let _ = s.emit("echo", &d);
        });
    });
    let io_for_ns = io.clone();
    io.ns("/", async move |s: SocketRef<A>| {
        let room = room_of(s.req_parts().uri.query());
        if let Some(room) = &room {
            s.join(room.clone());
        }
        s.on("echo", async |s: SocketRef<A>, Data::<Value>(d)| {
            let _ = s.emit("echo", &d);
        });
        s.on("ack", async |Data::<Value>(d), ack: AckSender<A>| {
            let _ = ack.send(&d);
        });
        let io = io_for_ns.clone();
        s.on("broadcast", async move |Data::<Value>(d)| {
            let _ = io.emit("broadcast", &d).await;
        });
        if let Some(room) = room {
            let io = io_for_ns.clone();
            s.on("room", async move |Data::<Value>(d)| {
                let _ = io.to(room.clone()).emit("room", &d).await;
            });
        }
        if wants_flood(s.req_parts().uri.query()) {
            flood(&s, io_for_ns.clone());
        }
    })
}

/// Whether the connection asked for the server-driven broadcast (`flood` query parameter).
fn wants_flood(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|kv| kv == "flood" || kv.starts_with("flood=")))
}

/// The server-driven broadcast: broadcasts sent, the count the pacer reported, the payload, the window.
#[derive(Default)]
struct Flood {
    sent: u64,
    acked: u64,
    payload: Option<Value>,
    window: u64,
}

/// `flood` (payload, window) starts `io.emit("flood", payload)` over and over, at most `window` broadcasts
/// ahead of the count this socket reports with `flood-ack`.
fn flood<A: Adapter>(s: &SocketRef<A>, io: SocketIo<A>) {
    let state = Arc::new(Mutex::new(Flood::default()));
    let (start, start_io) = (state.clone(), io.clone());
    s.on("flood", async move |Data::<(Value, u64)>((payload, window))| {
        {
            let mut f = start.lock().unwrap_or_else(PoisonError::into_inner);
            f.payload = Some(payload);
            f.window = window;
        }
        pump(&start_io, &start).await;
    });
    s.on("flood-ack", async move |Data::<u64>(count)| {
        state.lock().unwrap_or_else(PoisonError::into_inner).acked = count;
        pump(&io, &state).await;
    });
}

/// Sends the broadcasts the window allows now.
async fn pump<A: Adapter>(io: &SocketIo<A>, state: &Mutex<Flood>) {
    let (due, payload) = {
        let mut f = state.lock().unwrap_or_else(PoisonError::into_inner);
        let due = (f.acked + f.window).saturating_sub(f.sent);
        f.sent += due;
        (due, f.payload.clone())
    };
    let Some(payload) = payload else { return };
    // One after the other without waiting for each to be published, as Node's `io.emit` does; then wait.
    futures_util::future::join_all((0..due).map(|_| io.emit("flood", &payload))).await;
}

/// Accepts connections on `127.0.0.1:port` and hands each to `conn` on its own task (the HTTP service
/// differs by adapter type).
async fn serve<F, Fut>(port: u16, conn: F) -> std::io::Result<()>
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let mut out = std::io::stdout();
    writeln!(out, "listening on {addr}")?;
    out.flush()?;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(_) => continue,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(conn(stream));
    }
}
