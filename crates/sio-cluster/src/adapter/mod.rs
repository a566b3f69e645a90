//! The cluster adapter: every operation done locally through a wrapped [`InMemoryAdapter`] and published to
//! the other nodes through a [`Transport`] (the official `ClusterAdapter` and `ClusterAdapterWithHeartbeat`).

mod heartbeat;
mod incoming;
mod ops;
mod order;
mod requests;
mod rooms;

use crate::message::{ClusterMessage, MessageBody};
use crate::options::ClusterOptions;
use crate::transport::{
    ClusterHandle, Offset, Receiver, Transport, TransportContext, TransportFactory,
};
use heartbeat::Nodes;
use order::Turnstile;
use requests::Requests;
use rooms::RoomCounts;
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::Value;
use sio_server::adapter::{
    AckCollector, Adapter, AdapterFactory, BroadcastOptions, InMemoryAdapter, NamespaceHandle,
};
use sio_server::AdapterError;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::watch;

/// A fresh node or request id: 8 random bytes in hex (`randomBytes(8).toString("hex")`).
pub fn random_id() -> String {
    let bytes: [u8; 8] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Spawns on the current runtime; outside one the work is dropped with a warning.
fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(fut: F) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(fut);
        }
        Err(_) => tracing::warn!("cluster adapter used outside a tokio runtime: work dropped"),
    }
}

/// The adapter of one namespace in a cluster: local rooms in an [`InMemoryAdapter`], the rest through the
/// transport `T`.
pub struct ClusterAdapter<T: Transport> {
    uid: String,
    nsp: NamespaceHandle,
    local: InMemoryAdapter,
    transport: T,
    opts: ClusterOptions,
    me: Weak<Self>,
    requests: Requests,
    /// Broadcasts with acknowledgement this node sent, by request id.
    acks: Mutex<HashMap<String, AckCollector>>,
    /// Heartbeat mode: the other nodes.
    nodes: Option<Nodes>,
    /// When the transport wants room events.
    rooms: Option<RoomCounts>,
    /// The order of the local parts of operations.
    order: Turnstile,
    closed: AtomicBool,
    stop: watch::Sender<bool>,
}

impl<T: Transport> ClusterAdapter<T> {
    /// The adapter of `nsp`, with the transport `make` builds from the context (which holds the handle
    /// for incoming messages).
    pub fn new(
        nsp: NamespaceHandle,
        opts: ClusterOptions,
        make: impl FnOnce(TransportContext) -> T,
    ) -> Arc<Self> {
        let uid = random_id();
        Arc::new_cyclic(|me: &Weak<Self>| {
            let inner: Weak<dyn Receiver> = me.clone();
            let handle = ClusterHandle {
                uid: Arc::from(uid.as_str()),
                nsp: Arc::from(nsp.name()),
                inner,
            };
            let transport = make(TransportContext {
                nsp: nsp.clone(),
                uid: uid.clone(),
                handle,
            });
            let rooms = transport.wants_room_events().then(RoomCounts::default);
            ClusterAdapter {
                local: InMemoryAdapter::new(nsp.clone()),
                nodes: opts.heartbeat.map(Nodes::new),
                uid,
                nsp,
                transport,
                opts,
                me: me.clone(),
                requests: Requests::default(),
                acks: Mutex::new(HashMap::new()),
                rooms,
                order: Turnstile::default(),
                closed: AtomicBool::new(false),
                stop: watch::channel(false).0,
            }
        })
    }

    /// This node's id for the namespace.
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The local part (rooms and sockets of this node).
    pub fn local(&self) -> &InMemoryAdapter {
        &self.local
    }

    /// The requests and broadcasts with acknowledgement still waiting for answers (0 once all are done or
    /// timed out).
    pub fn pending_requests(&self) -> usize {
        self.requests.len() + self.lock_acks().len()
    }

    /// Heartbeat mode: the ids of the other nodes heard from (empty otherwise).
    pub fn nodes(&self) -> HashSet<String> {
        self.nodes.as_ref().map(Nodes::uids).unwrap_or_default()
    }

    fn lock_acks(&self) -> std::sync::MutexGuard<'_, HashMap<String, AckCollector>> {
        self.acks.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn message(&self, body: MessageBody) -> ClusterMessage {
        ClusterMessage::new(self.uid.clone(), self.nsp.name(), body)
    }

    /// Publishes to every node (restarting the heartbeat timer); returns the transport's offset.
    pub(crate) async fn publish(&self, body: MessageBody) -> Result<Option<Offset>, AdapterError> {
        if let Some(nodes) = &self.nodes {
            nodes.published();
        }
        self.transport.publish(self.message(body)).await
    }

    /// Publishes a response to `requester` (logged on failure).
    async fn respond(&self, requester: String, body: MessageBody) {
        let msg = self.message(body);
        if let Err(error) = self.transport.publish_response(requester, msg).await {
            tracing::warn!(uid = %self.uid, %error, "response not published");
        }
    }

    /// Publishes a response from a task.
    fn respond_later(&self, requester: String, body: MessageBody) {
        if let Some(me) = self.me.upgrade() {
            spawn(async move { me.respond(requester, body).await });
        }
    }

    /// Heartbeat mode: `uid` left; the requests that only waited for it complete.
    pub(crate) fn remove_node(&self, uid: &str) {
        if let Some(nodes) = &self.nodes {
            nodes.remove(uid);
        }
        self.requests.node_gone(uid);
    }

    /// How many other nodes must answer a request and, in heartbeat mode, which.
    async fn responders(&self) -> Result<(usize, Option<HashSet<String>>), AdapterError> {
        match &self.nodes {
            Some(nodes) => {
                let uids = nodes.uids();
                Ok((uids.len(), Some(uids)))
            }
            None => Ok((self.transport.server_count().await?.saturating_sub(1), None)),
        }
    }

    /// Sends a broadcast to the local sockets. With recovery on and an offset from the transport, an event
    /// without ack that is not volatile gets the offset as its last argument (as the official
    /// `addOffsetIfNecessary`); without an offset the in-memory log records it.
    fn broadcast_here(
        &self,
        mut packet: Packet,
        opts: &BroadcastOptions,
        offset: Option<Offset>,
    ) -> Result<(), AdapterError> {
        let recovery = self.nsp.connection_state_recovery().is_some();
        match (&mut packet.data, offset) {
            (PacketData::Event { args, id: None, .. }, Some(offset))
                if recovery && !opts.flags.volatile =>
            {
                args.push(Value::String(offset));
                self.local.broadcast_local_unrecorded(&packet, opts)
            }
            _ => self.local.broadcast_local(&packet, opts),
        }
    }

    /// Publishes an operation (`None`: a local one), then runs the local part in the order the operations
    /// started; a publication error is returned after the local part ran.
    async fn publish_then(
        &self,
        body: Option<MessageBody>,
        here: impl FnOnce(Option<Offset>) -> Result<(), AdapterError>,
    ) -> Result<(), AdapterError> {
        let ticket = self.order.ticket();
        let published = match body {
            None => Ok(None),
            Some(body) => self.publish(body).await,
        };
        ticket.turn().await;
        match published {
            Ok(offset) => here(offset),
            Err(error) => {
                tracing::warn!(uid = %self.uid, %error, "not published to the cluster");
                here(None)?;
                Err(error)
            }
        }
    }
}

/// Creates a [`ClusterAdapter`] for each namespace, with the transports a [`TransportFactory`] makes.
pub struct ClusterAdapterFactory<F> {
    transports: F,
    opts: ClusterOptions,
}

impl<F: TransportFactory> ClusterAdapterFactory<F> {
    /// A factory making each namespace's transport with `transports`.
    pub fn new(transports: F, opts: ClusterOptions) -> Self {
        ClusterAdapterFactory { transports, opts }
    }
}

impl<F: TransportFactory> AdapterFactory for ClusterAdapterFactory<F> {
    fn create(&self, nsp: NamespaceHandle) -> Arc<dyn Adapter> {
        ClusterAdapter::new(nsp, self.opts.clone(), |ctx| self.transports.create(ctx))
    }
}
