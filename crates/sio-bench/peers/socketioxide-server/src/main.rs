//! socketioxide speaking sio's benchmark event contract (see BENCHMARKS.md), for side-by-side runs.
//!
//! Usage: `socketioxide-bench-server [port]` (0 or absent: an ephemeral port). Prints
//! `listening on 127.0.0.1:<port>` on stdout once it accepts connections.

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide::SocketIo;
use std::io::Write;
use tokio::net::TcpListener;

/// Raises the soft open-file limit to the hard limit: 10,000 clients need 10,000 sockets.
fn raise_fd_limit() {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
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
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(port))
}

async fn serve(port: u16) -> std::io::Result<()> {
    let (svc, io) = SocketIo::new_svc();
    let io_for_ns = io.clone();
    io.ns("/", async move |s: SocketRef| {
        let room = room_of(s.req_parts().uri.query());
        if let Some(room) = &room {
            s.join(room.clone());
        }
        s.on("echo", async |s: SocketRef, Data::<Value>(d)| {
            let _ = s.emit("echo", &d);
        });
        s.on("ack", async |Data::<Value>(d), ack: AckSender| {
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
    });

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
        let svc = svc.clone();
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .with_upgrades()
                .await;
        });
    }
}
