//! sio-client against hostile servers: malformed packets at both levels and over both transports, oversize
//! and endless bodies, stalls, floods. Each case asserts the reason reported, the reconnection, and that
//! memory stays bounded; a few run the official Node client against the same server for comparison.

mod bad_packets;
mod official;
mod oversize;
mod server;
mod stalls;

use sio_client::{io, DisconnectReason, ManagerEvent, Options, Socket, TransportKind};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a test waits for one expected thing.
pub const WAIT: Duration = Duration::from_secs(10);

/// Options for a hostile case: one transport, fast reconnection, short connection timeout.
pub fn options(transport: TransportKind) -> Options {
    Options::default()
        .transports(vec![transport])
        .force_new(true)
        .reconnection_delay(Duration::from_millis(100))
        .reconnection_delay_max(Duration::from_millis(200))
        .randomization_factor(0.0)
        .timeout(Duration::from_secs(3))
}

/// What a socket and its manager report, as channels the test reads with a timeout.
pub struct Probe {
    pub socket: Socket,
    connects: mpsc::UnboundedReceiver<()>,
    disconnects: mpsc::UnboundedReceiver<DisconnectReason>,
    errors: mpsc::UnboundedReceiver<String>,
}

impl Probe {
    /// Connects to `url` with `opts` and listens to `connect`, `disconnect` and the manager's `error`.
    pub fn connect(url: &str, opts: Options) -> Probe {
        let socket = io(url, opts.auto_connect(false)).unwrap();
        let (ctx, connects) = mpsc::unbounded_channel();
        socket.on_connect(move || {
            let _ = ctx.send(());
        });
        let (dtx, disconnects) = mpsc::unbounded_channel();
        socket.on_disconnect(move |r| {
            let _ = dtx.send(r);
        });
        let (etx, errors) = mpsc::unbounded_channel();
        socket.manager().on("error", move |e| {
            if let ManagerEvent::Error(e) = e {
                let _ = etx.send(e.to_string());
            }
        });
        socket.open();
        Probe {
            socket,
            connects,
            disconnects,
            errors,
        }
    }

    pub async fn connected(&mut self) {
        tokio::time::timeout(WAIT, self.connects.recv())
            .await
            .expect("connect in time")
            .expect("socket alive");
    }

    pub async fn disconnected(&mut self) -> DisconnectReason {
        tokio::time::timeout(WAIT, self.disconnects.recv())
            .await
            .expect("disconnect in time")
            .expect("socket alive")
    }

    /// The message of the manager's next `error` event (a failed connection attempt).
    pub async fn error(&mut self) -> String {
        tokio::time::timeout(WAIT, self.errors.recv())
            .await
            .expect("error in time")
            .expect("manager alive")
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.socket.disconnect();
    }
}

/// This process's resident memory in bytes (from `/proc/self/statm`).
pub fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
