//! The test cluster: three sio servers in one process, each with a `ClusterAdapter` over an in-process bus
//! that carries encoded bytes (so the codec is exercised), and one sio client per server.

#![allow(dead_code)]

use futures_util::future::BoxFuture;
use sio_client::{Event, Options};
use sio_cluster::{
    ClusterAdapter, ClusterHandle, ClusterMessage, ClusterOptions, Offset, Transport,
    TransportContext,
};
use sio_server::engine::EngineServer;
use sio_server::{AdapterError, Server, ServerConfig, Socket};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// The longest any test waits for something that should happen.
pub const WAIT: Duration = Duration::from_secs(5);
/// How long a test waits to see that something does not happen.
pub const QUIET: Duration = Duration::from_millis(200);

/// One node's mailbox on the bus: the bytes and the offset, delivered in order by a task.
type Mailbox = mpsc::UnboundedSender<(Vec<u8>, Offset)>;

struct Member {
    node: usize,
    nsp: String,
    uid: String,
    mailbox: Mailbox,
    open: Arc<AtomicBool>,
}

/// The "network": every transport's mailbox. Publications get increasing offsets, as stream entries do.
#[derive(Default)]
pub struct Bus {
    members: Mutex<Vec<Member>>,
    offsets: AtomicU64,
    /// Nodes whose publications are lost (to simulate a node that died without a word).
    muted: Mutex<HashSet<usize>>,
    /// Every message published, decoded.
    pub log: Mutex<Vec<ClusterMessage>>,
}

impl Bus {
    fn send(&self, from: usize, nsp: &str, bytes: Vec<u8>, to_uid: Option<&str>) -> Offset {
        let offset = format!("{}-0", self.offsets.fetch_add(1, Ordering::SeqCst) + 1);
        if self.muted.lock().unwrap().contains(&from) {
            return offset;
        }
        if let Ok(msg) = ClusterMessage::decode(&bytes) {
            self.log.lock().unwrap().push(msg);
        }
        for m in self.members.lock().unwrap().iter() {
            let addressed = to_uid.is_none_or(|uid| uid == m.uid);
            if m.nsp == nsp && m.open.load(Ordering::SeqCst) && addressed {
                let _ = m.mailbox.send((bytes.clone(), offset.clone()));
            }
        }
        offset
    }

    /// Loses every later publication of `node`.
    pub fn mute(&self, node: usize) {
        self.muted.lock().unwrap().insert(node);
    }

    /// Delivers raw bytes to every open member of `nsp` (e.g. from an emitter).
    pub fn inject(&self, nsp: &str, bytes: Vec<u8>) {
        self.send(usize::MAX, nsp, bytes, None);
    }
}

/// The bus transport of one node and namespace.
pub struct BusTransport {
    bus: Arc<Bus>,
    node: usize,
    nsp: String,
    open: Arc<AtomicBool>,
    /// Room events, when asked for.
    pub rooms: Option<Mutex<Vec<(String, String, bool)>>>,
}

impl BusTransport {
    /// The transport of `node` on `bus`, delivering to the adapter of `ctx`.
    pub fn new(bus: Arc<Bus>, node: usize, ctx: TransportContext, rooms: bool) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<(Vec<u8>, Offset)>();
        let handle: ClusterHandle = ctx.handle;
        tokio::spawn(async move {
            while let Some((bytes, offset)) = rx.recv().await {
                if !handle.is_alive() {
                    return;
                }
                let _ = handle.on_bytes(&bytes, Some(offset));
            }
        });
        let open = Arc::new(AtomicBool::new(true));
        bus.members.lock().unwrap().push(Member {
            node,
            nsp: ctx.nsp.name().to_owned(),
            uid: ctx.uid,
            mailbox: tx,
            open: open.clone(),
        });
        BusTransport {
            bus,
            node,
            nsp: ctx.nsp.name().to_owned(),
            open,
            rooms: rooms.then(|| Mutex::new(Vec::new())),
        }
    }
}

impl Transport for BusTransport {
    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.open.store(false, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    }

    fn publish(&self, msg: ClusterMessage) -> BoxFuture<'_, Result<Option<Offset>, AdapterError>> {
        let bytes = msg.encode_json_unless_binary();
        Box::pin(async move {
            let bytes = bytes.map_err(|e| AdapterError::Backend(e.to_string()))?;
            Ok(Some(self.bus.send(self.node, &self.nsp, bytes, None)))
        })
    }

    fn publish_response(
        &self,
        requester_uid: String,
        msg: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        // Responses in msgpack, as the Redis Streams adapter sends them.
        let bytes = msg.encode_msgpack();
        Box::pin(async move {
            let bytes = bytes.map_err(|e| AdapterError::Backend(e.to_string()))?;
            self.bus
                .send(self.node, &self.nsp, bytes, Some(&requester_uid));
            Ok(())
        })
    }

    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        let n = self
            .bus
            .members
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.nsp == self.nsp && m.open.load(Ordering::SeqCst))
            .count();
        Box::pin(async move { Ok(n) })
    }

    fn wants_room_events(&self) -> bool {
        self.rooms.is_some()
    }

    fn room_created(&self, room: &str, private: bool) {
        if let Some(log) = &self.rooms {
            log.lock()
                .unwrap()
                .push(("created".into(), room.into(), private));
        }
    }

    fn room_deleted(&self, room: &str, private: bool) {
        if let Some(log) = &self.rooms {
            log.lock()
                .unwrap()
                .push(("deleted".into(), room.into(), private));
        }
    }
}

/// How the test cluster is built.
#[derive(Clone, Default)]
pub struct Setup {
    pub opts: ClusterOptions,
    pub config: Option<fn() -> ServerConfig>,
    pub room_events: bool,
}

/// The adapters one node created, in creation order (main namespace first).
pub type Adapters = Arc<Mutex<Vec<Arc<ClusterAdapter<BusTransport>>>>>;

/// Three nodes and their clients.
pub struct Cluster {
    pub bus: Arc<Bus>,
    pub servers: Vec<Server>,
    pub server_sockets: Vec<Socket>,
    pub clients: Vec<sio_client::Socket>,
    /// Each node's adapters, in creation order (main namespace first).
    pub adapters: Vec<Adapters>,
    pub addrs: Vec<std::net::SocketAddr>,
    engines: Vec<EngineServer>,
}

impl Cluster {
    /// The adapter of node `i` for the main namespace.
    pub fn adapter(&self, i: usize) -> Arc<ClusterAdapter<BusTransport>> {
        self.adapters[i].lock().unwrap()[0].clone()
    }
}

/// Client options for tests: no reconnection, websocket right away (a volatile packet is dropped for a
/// client still upgrading from polling, whose transport is not writable then).
pub fn client_options() -> Options {
    Options::default()
        .reconnection(false)
        .transports(vec![sio_client::TransportKind::WebSocket])
}

/// Starts three nodes, connects one client to each, and waits until every node knows the others.
pub async fn setup(setup: Setup) -> Cluster {
    let bus = Arc::new(Bus::default());
    let mut cluster = Cluster {
        bus: bus.clone(),
        servers: Vec::new(),
        server_sockets: Vec::new(),
        clients: Vec::new(),
        adapters: Vec::new(),
        addrs: Vec::new(),
        engines: Vec::new(),
    };
    for node in 0..3 {
        let adapters: Adapters = Arc::default();
        let (bus2, adapters2, room_events) = (bus.clone(), adapters.clone(), setup.room_events);
        let opts = setup.opts.clone();
        let factory = move |nsp: sio_server::adapter::NamespaceHandle| {
            let bus = bus2.clone();
            let adapter = ClusterAdapter::new(nsp, opts.clone(), |ctx| {
                BusTransport::new(bus, node, ctx, room_events)
            });
            adapters2.lock().unwrap().push(adapter.clone());
            adapter as Arc<dyn sio_server::adapter::Adapter>
        };
        let config = setup.config.map(|f| f()).unwrap_or_default();
        let io = Server::new(config.adapter(Arc::new(FnFactory(factory))));
        let (tx, mut rx) = mpsc::unbounded_channel();
        io.on_connection(move |socket: Socket| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(socket);
            }
        });
        let engine = io.listen("127.0.0.1:0").await.expect("bind");
        let addr = engine.local_addr();
        let client = sio_client::io(&format!("http://{addr}"), client_options()).unwrap();
        tokio::time::timeout(WAIT, client.connect())
            .await
            .expect("connect in time")
            .expect("connect");
        let socket = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("connection in time")
            .expect("connection");
        cluster.servers.push(io);
        cluster.server_sockets.push(socket);
        cluster.clients.push(client);
        cluster.adapters.push(adapters);
        cluster.addrs.push(addr);
        cluster.engines.push(engine);
    }
    if setup.opts.heartbeat.is_some() {
        // Every node heard the others' initial heartbeats or answers.
        for i in 0..3 {
            let adapter = cluster.adapter(i);
            eventually(|| adapter.nodes().len() == 2).await;
        }
    }
    cluster
}

/// An `AdapterFactory` from a closure (so that the test can keep each adapter's typed handle).
struct FnFactory<F>(F);

impl<F> sio_server::adapter::AdapterFactory for FnFactory<F>
where
    F: Fn(sio_server::adapter::NamespaceHandle) -> Arc<dyn sio_server::adapter::Adapter>
        + Send
        + Sync
        + 'static,
{
    fn create(
        &self,
        nsp: sio_server::adapter::NamespaceHandle,
    ) -> Arc<dyn sio_server::adapter::Adapter> {
        (self.0)(nsp)
    }
}

/// Waits (at most [`WAIT`]) until `f` holds; panics otherwise.
pub async fn eventually(f: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !f() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met in time"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Records the events `name` a client receives.
pub fn record(client: &sio_client::Socket, name: &str) -> mpsc::UnboundedReceiver<Event> {
    let (tx, rx) = mpsc::unbounded_channel();
    client.on(name, move |e| {
        let _ = tx.send(e);
    });
    rx
}

/// The next recorded event, within [`WAIT`].
pub async fn next(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("event in time")
        .expect("event")
}

/// Asserts that nothing is recorded within [`QUIET`].
pub async fn nothing(rx: &mut mpsc::UnboundedReceiver<Event>) {
    if let Ok(Some(e)) = tokio::time::timeout(QUIET, rx.recv()).await {
        panic!("unexpected event {} {:?}", e.name, e.args);
    }
}
