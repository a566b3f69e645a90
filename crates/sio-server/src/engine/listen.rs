//! Serving the engine on its own: `Engine::listen(addr)` and graceful shutdown.

use super::accept::Acceptor;
use super::conn_io::ConnIo;
use super::head_timer::{HeadTimer, Sweeper};
use super::{Engine, EngineHandler};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How often the request-head deadlines are checked.
const HEADER_TIMER_TICK: Duration = Duration::from_secs(1);

/// Largest request head accepted (431 beyond), Node's `maxHeaderSize` default. hyper's own default
/// (~400 KB) would let every handshake leave that much in the headers its session keeps.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// How long shutdown waits for HTTP connections to finish their requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A running engine server; [`shutdown`](Self::shutdown) stops it gracefully.
pub struct EngineServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl EngineServer {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes every session with "server shutting down", lets HTTP connections
    /// finish (up to a few seconds) and returns when all is done.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

type Closer = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

impl<H: EngineHandler> Engine<H> {
    /// Listens on `addr` (HTTP/1.1 with websocket upgrades) and serves the engine; other paths get 404.
    pub async fn listen(self: &Arc<Self>, addr: impl ToSocketAddrs) -> io::Result<EngineServer> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);
        let engine = self.clone();
        let closer: Closer = {
            let engine = self.clone();
            Box::new(move || Box::pin(async move { engine.close().await }))
        };
        let task = tokio::spawn(accept_loop(engine, listener, stop_rx, closer));
        Ok(EngineServer {
            local_addr,
            stop,
            task,
        })
    }
}

async fn accept_loop<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    listener: TcpListener,
    mut stop: watch::Receiver<bool>,
    closer: Closer,
) {
    let (conn_stop_tx, conn_stop) = watch::channel(false);
    let mut connections = JoinSet::new();
    let tick =
        (engine.config().headers_timeout / 4).clamp(Duration::from_millis(10), HEADER_TIMER_TICK);
    let sweeper = Sweeper::new(tick);
    let sweeping = tokio::spawn(sweeper.clone().run());
    let mut acceptor = Acceptor::new(listener);
    loop {
        while connections.try_join_next().is_some() {}
        tokio::select! {
            _ = stop.changed() => break,
            (stream, peer) = acceptor.accept() => {
                let _ = stream.set_nodelay(true);
                let timer = sweeper.timer();
                connections.spawn(serve_connection(engine.clone(), stream, peer, timer, conn_stop.clone()));
            }
        }
    }
    drop(acceptor);
    closer().await;
    let _ = conn_stop_tx.send(true);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
    sweeping.abort();
}

async fn serve_connection<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    timer: HeadTimer,
    mut stop: watch::Receiver<bool>,
) {
    let headers_timeout = engine.config().headers_timeout;
    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let response = engine.handle_from(req, peer);
        async move { Ok::<_, Infallible>(response.await) }
    });
    // The timer makes hyper enforce the request-head timeout: without one, a peer that opens
    // connections and never finishes a request head would hold them forever. The connection's IO
    // answers 408 when it ends one with a request begun.
    let io = ConnIo::new(stream, timer.timeout());
    let conn = http1::Builder::new()
        .timer(timer)
        .header_read_timeout(headers_timeout)
        .max_buf_size(MAX_REQUEST_HEAD)
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
