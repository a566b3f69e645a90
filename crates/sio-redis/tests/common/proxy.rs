//! A loopback TCP proxy in front of one upstream address (a Redis server), to break the link between a node
//! and Redis and heal it again: [`TcpProxy::cut`] closes every connection and closes new ones at once (as if
//! the server were gone), [`TcpProxy::stall`] silently stops forwarding and parks new connections (as if the
//! network dropped packets), [`TcpProxy::restore`] forwards again. Its tasks are aborted on drop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How long [`TcpProxy::cut`] waits for the connections to be closed.
const CUT_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Open,
    Cut,
    Stalled,
}

pub struct TcpProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    link: watch::Sender<Link>,
    open: watch::Receiver<usize>,
    accept: JoinHandle<()>,
}

impl TcpProxy {
    /// Listens on a free loopback port and forwards every connection to `upstream`.
    pub async fn start(upstream: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy on 127.0.0.1:0");
        let addr = listener.local_addr().expect("proxy address");
        let link = watch::Sender::new(Link::Open);
        let (count, open) = watch::channel(0);
        let accept = tokio::spawn(accept_loop(listener, upstream, link.subscribe(), count));
        TcpProxy {
            addr,
            upstream,
            link,
            open,
            accept,
        }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `redis://` + [`Self::addr`].
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// The client connections currently held (forwarded or parked).
    pub fn connections(&self) -> usize {
        *self.open.borrow()
    }

    /// Closes every connection (both sides see EOF) and, until [`Self::restore`], closes new connections
    /// right after accepting them. Returns once every connection is closed.
    pub async fn cut(&self) {
        self.link.send_replace(Link::Cut);
        let mut open = self.open.clone();
        let closed = tokio::time::timeout(CUT_WAIT, open.wait_for(|n| *n == 0)).await;
        assert!(
            matches!(closed, Ok(Ok(_))),
            "proxy {}: connections still open {CUT_WAIT:?} after cut",
            self.addr
        );
    }

    /// Stops forwarding without closing anything: open connections hang, new ones are accepted and parked
    /// (not connected upstream) until [`Self::restore`] (or [`Self::cut`]).
    pub fn stall(&self) {
        self.link.send_replace(Link::Stalled);
    }

    /// Forwards again: stalled connections resume, parked ones are connected upstream, new ones are served.
    pub fn restore(&self) {
        self.link.send_replace(Link::Open);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        // the accept task owns the connection tasks: aborting it drops (aborts) them
        self.accept.abort();
    }
}

/// Counts a connection while it lives.
struct Held(Arc<watch::Sender<usize>>);

impl Held {
    fn new(count: &Arc<watch::Sender<usize>>) -> Held {
        count.send_modify(|n| *n += 1);
        Held(count.clone())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    link: watch::Receiver<Link>,
    count: watch::Sender<usize>,
) {
    let count = Arc::new(count);
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => {
                    if *link.borrow() == Link::Cut {
                        continue; // dropped: closed at once
                    }
                    let held = Held::new(&count);
                    conns.spawn(serve(client, upstream, link.clone(), held));
                }
                // e.g. out of file descriptors: do not spin
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    mut link: watch::Receiver<Link>,
    _held: Held,
) {
    // parked while stalled
    match link.wait_for(|l| *l != Link::Stalled).await {
        Ok(l) if *l == Link::Open => {}
        _ => return,
    }
    // upstream down: the client sees its connection closed, as it would behind a real hop
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::join!(
        pump(client_read, server_write, link.clone()),
        pump(server_read, client_write, link),
    );
}

/// Copies `from` to `to` while the link is open; pauses while it is stalled; returns (dropping both
/// halves) when it is cut or when `from` ends (then shuts `to` down: half-close goes through).
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut link: watch::Receiver<Link>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match link.wait_for(|l| *l != Link::Stalled).await {
            Ok(l) if *l == Link::Open => {}
            _ => return,
        }
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => {
                    let _ = to.shutdown().await;
                    return;
                }
                Ok(n) => n,
            },
            // re-check the link (read is cancel safe: nothing is lost)
            _ = link.changed() => continue,
        };
        tokio::select! {
            written = to.write_all(&buf[..n]) => if written.is_err() {
                return;
            },
            _ = link.wait_for(|l| *l == Link::Cut) => return,
        }
    }
}
