//! A namespace: a communication channel with its own sockets, rooms, middlewares and connection handlers.

use crate::adapter::{Adapter, AdapterFactory, Room, ServerSideAck, Session, SocketId};
use crate::broadcast::{BroadcastOperator, RoomParam, Scope};
use crate::client::Client;
use crate::errors::{AckError, AdapterError, EmitError, RESERVED_SERVER_EVENTS};
use crate::extensions::Extensions;
use crate::handler::{
    erase_connection_handler, erase_middleware, BoxFut, ConnectMiddleware, ConnectionFn,
    ConnectionHandler, MiddlewareFn,
};
use crate::observe::{Observers, RoomChange};
use crate::parent_namespace::ParentNamespace;
use crate::recovery::ConnectionStateRecovery;
use crate::registry::Namespaces;
use crate::remote_socket::RemoteSocket;
use crate::socket::Socket;
use crate::sync::{read, write};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::parser::{EncodeError, Encoded, Parser};
use sio_protocol::socket::Packet;
use sio_protocol::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

type ServerEventFn = Arc<dyn Fn(Vec<Value>, Option<ServerSideAck>) -> BoxFut + Send + Sync>;

/// A namespace (`io.of("/admin")`). Cheap to clone.
#[derive(Clone)]
pub struct Namespace(pub(crate) Arc<NamespaceInner>);

pub(crate) struct NamespaceInner {
    name: String,
    registry: Weak<Namespaces>,
    states: Arc<Extensions>,
    parser: Arc<dyn Parser>,
    adapter: Arc<dyn Adapter>,
    sockets: RwLock<HashMap<SocketId, Socket>>,
    connection_handlers: RwLock<Vec<ConnectionFn>>,
    middlewares: RwLock<Vec<MiddlewareFn>>,
    server_events: RwLock<HashMap<String, Vec<ServerEventFn>>>,
    ids: AtomicU64,
    parent: Option<ParentNamespace>,
    recovery: Option<ConnectionStateRecovery>,
    /// The runtime the namespace was created on, for work submitted from outside it.
    runtime: Option<tokio::runtime::Handle>,
    room_observers: Arc<Observers<RoomChange>>,
}

/// What an adapter may use of its namespace: its name, its local sockets, the parser, and the delivery of
/// server-side events received from other servers.
#[derive(Clone)]
pub struct NamespaceHandle {
    name: Arc<str>,
    inner: Weak<NamespaceInner>,
    recovery: Option<ConnectionStateRecovery>,
    room_observers: Arc<Observers<RoomChange>>,
}

impl NamespaceHandle {
    /// The namespace name (`/`, `/admin`...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's connection state recovery options, when it is on.
    pub fn connection_state_recovery(&self) -> Option<&ConnectionStateRecovery> {
        self.recovery.as_ref()
    }

    /// The namespace, while it exists.
    pub fn namespace(&self) -> Option<Namespace> {
        self.inner.upgrade().map(Namespace)
    }

    /// The local sockets with these ids (unknown ids are skipped).
    pub fn sockets_by_ids(&self, ids: &[SocketId]) -> Vec<Socket> {
        let Some(inner) = self.inner.upgrade() else {
            return Vec::new();
        };
        let sockets = read(&inner.sockets);
        ids.iter()
            .filter_map(|id| sockets.get(id).cloned())
            .collect()
    }

    /// Whether someone observes room changes (see [`Namespace::on_room_change`]).
    pub(crate) fn rooms_observed(&self) -> bool {
        self.room_observers.listened()
    }

    /// Reports room changes to the observers.
    pub(crate) fn rooms_changed(&self, changes: &[RoomChange]) {
        for change in changes {
            self.room_observers.notify(change);
        }
    }

    /// A local socket by id.
    pub(crate) fn socket(&self, id: &str) -> Option<Socket> {
        let inner = self.inner.upgrade()?;
        let socket = read(&inner.sockets).get(id).cloned();
        socket
    }

    /// Encodes a packet with the server's parser.
    pub fn encode(&self, packet: &Packet) -> Result<Encoded, EncodeError> {
        match self.inner.upgrade() {
            Some(inner) => inner.parser.encode(packet),
            None => Err(EncodeError::Unsupported("namespace is gone".into())),
        }
    }

    /// A fresh ack id of this namespace, for a broadcast with acknowledgement that another server asked
    /// for (all its local recipients share it, as with a local one).
    pub fn next_ack_id(&self) -> u64 {
        self.inner.upgrade().map_or(0, |inner| inner.next_ack_id())
    }

    /// Delivers a server-side event emitted by another server to this namespace's `on_server_event`
    /// listeners; `ack` answers it when the sender asked for an acknowledgement.
    pub fn server_side_emit_received(
        &self,
        event: &str,
        args: Vec<Value>,
        ack: Option<ServerSideAck>,
    ) {
        if let Some(inner) = self.inner.upgrade() {
            Namespace(inner).on_server_event_received(event, args, ack);
        }
    }
}

impl Namespace {
    pub(crate) fn new(
        name: String,
        registry: Weak<Namespaces>,
        states: Arc<Extensions>,
        parser: Arc<dyn Parser>,
        factory: &dyn AdapterFactory,
        parent: Option<ParentNamespace>,
        recovery: Option<ConnectionStateRecovery>,
    ) -> Namespace {
        let runtime = tokio::runtime::Handle::try_current().ok();
        let room_observers = Arc::new(Observers::default());
        let nsp = Namespace(Arc::new_cyclic(|weak| {
            let handle = NamespaceHandle {
                name: Arc::from(name.as_str()),
                inner: weak.clone(),
                recovery: recovery.clone(),
                room_observers: room_observers.clone(),
            };
            NamespaceInner {
                adapter: factory.create(handle),
                name,
                registry,
                states,
                parser,
                sockets: RwLock::new(HashMap::new()),
                connection_handlers: RwLock::new(Vec::new()),
                middlewares: RwLock::new(Vec::new()),
                server_events: RwLock::new(HashMap::new()),
                ids: AtomicU64::new(0),
                parent,
                recovery,
                runtime,
                room_observers,
            }
        }));
        let adapter = nsp.adapter();
        let name = nsp.name().to_owned();
        let init = async move {
            if let Err(e) = adapter.init().await {
                tracing::error!(nsp = name, error = %e, "adapter initialisation failed");
            }
        };
        match &nsp.0.runtime {
            Some(runtime) => {
                runtime.spawn(init);
            }
            None => {
                tracing::warn!("namespace created outside a tokio runtime: adapter not initialised")
            }
        }
        nsp
    }

    /// The name (`/`, `/admin`...).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The adapter of this namespace.
    pub fn adapter(&self) -> Arc<dyn Adapter> {
        self.0.adapter.clone()
    }

    /// The server's shared state of type `S`.
    pub(crate) fn state<S: Clone + Send + Sync + 'static>(&self) -> Option<S> {
        self.0.states.get()
    }

    pub(crate) fn parser(&self) -> &Arc<dyn Parser> {
        &self.0.parser
    }

    pub(crate) fn connection_state_recovery(&self) -> Option<&ConnectionStateRecovery> {
        self.0.recovery.as_ref()
    }

    pub(crate) fn runtime(&self) -> Option<&tokio::runtime::Handle> {
        self.0.runtime.as_ref()
    }

    /// Registers a connection handler, called for each socket that joins this namespace.
    pub fn on_connection<M>(&self, f: impl ConnectionHandler<M>) {
        write(&self.0.connection_handlers).push(erase_connection_handler(f));
    }

    /// Adds a connect middleware (`nsp.use`): it runs for each socket before it connects; an error refuses
    /// the connection with `CONNECT_ERROR {message, data}`.
    pub fn use_middleware<M>(&self, f: impl ConnectMiddleware<M>) {
        write(&self.0.middlewares).push(erase_middleware(f));
    }

    /// Registers a listener for events emitted by other servers with `server_side_emit`. `ack` is present
    /// when the sender waits for an answer.
    pub fn on_server_event<F, Fut>(&self, event: impl Into<String>, f: F)
    where
        F: Fn(Vec<Value>, Option<ServerSideAck>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        write(&self.0.server_events)
            .entry(event.into())
            .or_default()
            .push(Arc::new(move |a, ack| Box::pin(f(a, ack))));
    }

    fn on_server_event_received(&self, event: &str, args: Vec<Value>, ack: Option<ServerSideAck>) {
        let handlers: Vec<ServerEventFn> = read(&self.0.server_events)
            .get(event)
            .cloned()
            .unwrap_or_default();
        let mut ack = ack;
        for (i, h) in handlers.iter().enumerate() {
            let a = if i == 0 { ack.take() } else { None };
            tokio::spawn(h(args.clone(), a));
        }
    }

    /// The sockets connected to this namespace on this server.
    pub fn sockets(&self) -> Vec<Socket> {
        read(&self.0.sockets).values().cloned().collect()
    }

    /// A local socket by id.
    pub fn socket(&self, id: &str) -> Option<Socket> {
        read(&self.0.sockets).get(id).cloned()
    }

    /// A broadcast operator on every socket of the namespace.
    pub fn broadcast(&self) -> BroadcastOperator {
        BroadcastOperator::new(self.0.clone())
    }

    /// A broadcast to the room(s).
    pub fn to(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// Same as [`Namespace::to`].
    pub fn in_(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.to(rooms)
    }

    /// A broadcast to every socket except those in the room(s).
    pub fn except(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.broadcast().except(rooms)
    }

    /// A broadcast to the sockets of this server only.
    pub fn local(&self) -> BroadcastOperator {
        self.broadcast().local()
    }

    /// A volatile broadcast.
    pub fn volatile(&self) -> BroadcastOperator {
        self.broadcast().volatile()
    }

    /// A broadcast with the compress flag.
    pub fn compress(&self, compress: bool) -> BroadcastOperator {
        self.broadcast().compress(compress)
    }

    /// A broadcast whose acknowledgements time out after `timeout`.
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperator {
        self.broadcast().timeout(timeout)
    }

    /// Emits an event to every socket of the namespace.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        self.broadcast().emit(event, args).await
    }

    /// Emits to every socket and collects their acknowledgements (see [`BroadcastOperator::emit_with_ack`]).
    pub async fn emit_with_ack<T, R>(&self, event: &str, args: &T) -> Result<Vec<R>, AckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + 'static,
    {
        self.broadcast().emit_with_ack(event, args).await
    }

    /// Every socket of the namespace, on every server.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        self.broadcast().fetch_sockets().await
    }

    /// Makes every socket join the room(s).
    pub async fn sockets_join(&self, rooms: impl RoomParam) -> Result<(), AdapterError> {
        self.broadcast().sockets_join(rooms).await
    }

    /// Makes every socket leave the room(s).
    pub async fn sockets_leave(&self, rooms: impl RoomParam) -> Result<(), AdapterError> {
        self.broadcast().sockets_leave(rooms).await
    }

    /// Disconnects every socket.
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        self.broadcast().disconnect_sockets(close).await
    }

    /// Emits an event to the other servers of the cluster (`connect`, `connection` and `new_namespace` are
    /// reserved).
    pub async fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        if RESERVED_SERVER_EVENTS.contains(&event) {
            return Err(EmitError::Reserved(event.to_owned()));
        }
        let args = sio_protocol::value::to_args(args)?;
        Ok(self
            .adapter()
            .server_side_emit(event.to_owned(), args)
            .await?)
    }

    /// Emits an event to the other servers and waits for one answer per server.
    pub async fn server_side_emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
        timeout: Duration,
    ) -> Result<Vec<Value>, AckError> {
        if RESERVED_SERVER_EVENTS.contains(&event) {
            return Err(EmitError::Reserved(event.to_owned()).into());
        }
        let args = sio_protocol::value::to_args(args).map_err(EmitError::from)?;
        self.adapter()
            .server_side_emit_with_ack(event.to_owned(), args, timeout)
            .await
    }

    /// Registers an observer of the rooms its local sockets join and leave (the official adapter's
    /// `join-room` / `leave-room` events), called after the adapter applied the change. It runs on the task
    /// that made the change and must not block.
    pub fn on_room_change<F>(&self, f: F)
    where
        F: Fn(&RoomChange) + Send + Sync + 'static,
    {
        self.0.room_observers.add(Arc::new(f));
    }

    /// The rooms of a local socket.
    pub fn socket_rooms(&self, id: &str) -> Vec<Room> {
        self.adapter().socket_rooms(id).unwrap_or_default()
    }

    // ----- internals -----

    /// With connection state recovery, the session the CONNECT's `auth.pid` and `auth.offset` designate.
    async fn restore_session(&self, auth: &Value) -> Option<Session> {
        self.0.recovery.as_ref()?;
        let (Some(Value::String(pid)), Some(Value::String(offset))) =
            (auth.get("pid"), auth.get("offset"))
        else {
            return None;
        };
        match self
            .adapter()
            .restore_session(pid.clone(), offset.clone())
            .await
        {
            Ok(Some(session)) => {
                tracing::debug!(
                    nsp = self.name(),
                    sid = session.sid,
                    "connection state recovered"
                );
                Some(session)
            }
            Ok(None) => {
                tracing::debug!(nsp = self.name(), "connection state not recovered");
                None
            }
            Err(error) => {
                tracing::warn!(nsp = self.name(), %error, "error while restoring a session");
                None
            }
        }
    }

    /// Runs the connect middlewares for a new socket (unless it recovered its session and `skip_middlewares`
    /// is set), then connects it or refuses it.
    pub(crate) async fn add(&self, client: Arc<Client>, auth: Value) {
        let session = self.restore_session(&auth).await;
        let skip_middlewares =
            session.is_some() && self.0.recovery.as_ref().is_some_and(|r| r.skip_middlewares);
        let socket = Socket::new(self.clone(), client.clone(), auth, session);
        let mut middlewares: Vec<MiddlewareFn> = Vec::new();
        if !skip_middlewares {
            if let Some(parent) = &self.0.parent {
                middlewares.extend(parent.middlewares());
            }
            middlewares.extend(read(&self.0.middlewares).iter().cloned());
        }
        for mw in middlewares {
            let result = mw(socket.clone()).await;
            if client.is_closed() {
                tracing::debug!(nsp = self.name(), "client closed during the middlewares");
                return;
            }
            if let Err(error) = result {
                tracing::debug!(nsp = self.name(), %error, "connection refused by a middleware");
                let payload = if crate::legacy::is_legacy(client.conn()) {
                    crate::legacy::connect_error(&error)
                } else {
                    error.to_value()
                };
                client.send_connect_error(self.name(), payload);
                return;
            }
        }
        if client.is_closed() {
            return;
        }
        write(&self.0.sockets).insert(socket.id().to_owned(), socket.clone());
        socket.mark_connected();
        // Order matters: the client routes to this socket before the connection job (CONNECT answer, then
        // the connection handlers) starts. Once the CONNECT answer is out, the peer's first event may come
        // back before this task goes on: routed to no socket, that event would close the connection; routed
        // to this one, it waits for the connection job to start (see `Jobs`).
        if !client.attach_socket(self.name(), socket.clone()) {
            socket.abort_connect();
            self.remove_socket(socket.id());
            return;
        }
        socket.restore_state();
        let mut handlers: Vec<ConnectionFn> = Vec::new();
        if let Some(parent) = &self.0.parent {
            handlers.extend(parent.connection_handlers());
        }
        handlers.extend(read(&self.0.connection_handlers).iter().cloned());
        let s = socket.clone();
        socket.run(Box::pin(async move {
            if !s.on_connect() {
                return;
            }
            for h in handlers {
                h(s.clone()).await;
            }
        }));
    }

    pub(crate) fn remove_socket(&self, id: &str) {
        let empty = {
            let mut sockets = write(&self.0.sockets);
            sockets.remove(id);
            sockets.is_empty()
        };
        if empty {
            if let (Some(parent), Some(registry)) = (&self.0.parent, self.0.registry.upgrade()) {
                if registry.remove_empty_child(self, parent) {
                    tracing::debug!(nsp = self.name(), "closed the empty child namespace");
                    let adapter = self.adapter();
                    tokio::spawn(async move {
                        let _ = adapter.close().await;
                    });
                }
            }
        }
    }

    /// Disconnects every local socket with `server shutting down` (no packet is sent).
    pub(crate) fn close_all(&self, reason: crate::reason::DisconnectReason) {
        for socket in self.sockets() {
            socket.on_close(reason);
        }
    }
}

impl Scope for NamespaceInner {
    fn name(&self) -> &str {
        &self.name
    }

    fn adapter(&self) -> &Arc<dyn Adapter> {
        &self.adapter
    }

    fn next_ack_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    fn forget_acks(&self, id: u64) {
        let sockets: Vec<Socket> = read(&self.sockets).values().cloned().collect();
        for socket in sockets {
            socket.remove_ack(id);
        }
    }
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.0.name)
            .finish()
    }
}
