//! The WebTransport listener: an HTTP/3 endpoint accepting WebTransport sessions on the engine's path.

use super::super::{Engine, EngineHandler};
use super::stream::H3_NO_ERROR;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use wtransport::{Endpoint, Identity, ServerConfig};

/// How long shutdown waits for the QUIC connections to close.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// A running WebTransport listener; [`shutdown`](Self::shutdown) stops it.
pub struct WebTransportServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WebTransportServer {
    /// The UDP address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes the sessions that came through it and returns once the QUIC connections
    /// are gone (a few seconds at most). The engine's other sessions stay open.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl<H: EngineHandler> Engine<H> {
    /// Listens for WebTransport sessions on `addr` (UDP, HTTP/3) with the TLS `identity`, and serves
    /// them on the engine's path. The engine must list
    /// [`Transport::WebTransport`](super::super::Transport) in its transports, as engine.io's
    /// `transports` option must.
    pub async fn listen_webtransport(
        self: &Arc<Self>,
        addr: SocketAddr,
        identity: Identity,
    ) -> io::Result<WebTransportServer> {
        if !self
            .config()
            .transports
            .contains(&super::super::Transport::WebTransport)
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "WebTransport is not among the engine's transports",
            ));
        }
        let config = ServerConfig::builder()
            .with_bind_address(addr)
            .with_identity(identity)
            .keep_alive_interval(Some(self.config().ping_interval))
            .build();
        let endpoint = Endpoint::server(config)?;
        let local_addr = endpoint.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(self.clone(), endpoint, stop_rx));
        Ok(WebTransportServer {
            local_addr,
            stop,
            task,
        })
    }
}

async fn accept_loop<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    endpoint: Endpoint<wtransport::endpoint::endpoint_side::Server>,
    mut stop: watch::Receiver<bool>,
) {
    let mut sessions = JoinSet::new();
    loop {
        while sessions.try_join_next().is_some() {}
        tokio::select! {
            _ = stop.changed() => break,
            incoming = endpoint.accept() => {
                sessions.spawn(engine.clone().accept_webtransport(incoming));
            }
        }
    }
    endpoint.close(H3_NO_ERROR, b"");
    sessions.abort_all();
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, endpoint.wait_idle()).await;
}
