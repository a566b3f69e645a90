//! A socket: one client connected to one namespace. Listeners, emits, acks, rooms and disconnection.

use crate::ack::{decode_answer, AckSender};
use crate::adapter::{
    AckCollector, BroadcastFlags, BroadcastOptions, MissedPacket, Room, Session, SessionToPersist,
    SocketDetails,
};
use crate::broadcast::{BroadcastOperator, RoomParam};
use crate::client::Client;
use crate::delivery::Delivery;
use crate::engine::{EngineSocket, RequestInfo, SendError};
use crate::errors::MiddlewareError;
use crate::errors::{check_reserved, AckError, EmitError, SocketError};
use crate::handler::{
    erase_event_handler, AnyFn, AnyHandler, BoxFut, ConnectionFn, DisconnectFn, ErasedEventHandler,
    ErrorFn, EventHandler, IncomingEvent, OutgoingFn, PacketMiddlewareFn,
};
use crate::handshake::Handshake;
use crate::jobs::{Job, Jobs};
pub use crate::listeners::ListenerId;
use crate::listeners::{Entry, EventHandlers, Listeners};
use crate::namespace::Namespace;
use crate::reason::DisconnectReason;
use crate::sync::lock;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::engine::Frame;
use sio_protocol::socket::PacketData;
use sio_protocol::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

enum AckWaiter {
    Single(oneshot::Sender<Vec<Value>>),
    Broadcast(AckCollector),
}

/// A client connected to a namespace (`socket` in the official API). Cheap to clone.
#[derive(Clone)]
pub struct Socket(pub(crate) Arc<SocketInner>);

pub(crate) struct SocketInner {
    id: String,
    nsp: Namespace,
    client: Arc<Client>,
    handshake: Handshake,
    connected: AtomicBool,
    closing_rooms: Mutex<Option<Vec<Room>>>,
    listeners: Listeners,
    acks: Mutex<HashMap<u64, AckWaiter>>,
    data: Mutex<Value>,
    jobs: Jobs,
    /// The private session id (with connection state recovery only).
    pid: Option<String>,
    recovered: bool,
    /// Rooms and missed packets of a recovered session, consumed by `on_connect`.
    restored: Mutex<Option<(Vec<Room>, Vec<MissedPacket>)>>,
}

impl Socket {
    /// Creates a socket (not yet connected); with a recovered `session`, it takes back its id, private id,
    /// rooms, data and missed packets.
    pub(crate) fn new(
        nsp: Namespace,
        client: Arc<Client>,
        auth: Value,
        session: Option<Session>,
    ) -> Socket {
        let handshake = Handshake::new(client.conn().shared_request().clone(), auth);
        let recovered = session.is_some();
        let (id, pid, data, restored) = match session {
            Some(s) => (
                s.sid,
                Some(s.pid),
                s.data,
                Some((s.rooms, s.missed_packets)),
            ),
            None => (
                crate::legacy::socket_id(nsp.name(), client.conn())
                    .unwrap_or_else(crate::engine::sid::generate),
                nsp.connection_state_recovery()
                    .map(|_| crate::engine::sid::generate()),
                Value::Object(Default::default()),
                None,
            ),
        };
        Socket(Arc::new(SocketInner {
            id,
            nsp,
            client,
            handshake,
            connected: AtomicBool::new(false),
            closing_rooms: Mutex::new(None),
            listeners: Listeners::default(),
            acks: Mutex::new(HashMap::new()),
            data: Mutex::new(data),
            jobs: Jobs::default(),
            pid,
            recovered,
            restored: Mutex::new(restored),
        }))
    }

    /// The socket id: a random 20-character base64 id, also the name of the socket's own room.
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The namespace the socket is connected to.
    pub fn nsp(&self) -> &Namespace {
        &self.0.nsp
    }

    /// The handshake details.
    pub fn handshake(&self) -> &Handshake {
        &self.0.handshake
    }

    /// The underlying Engine.IO connection (its transport, its id...).
    pub fn conn(&self) -> &EngineSocket {
        self.0.client.conn()
    }

    /// The HTTP request that opened the connection (`socket.request` in the official API): its
    /// method, URI, headers and peer address. [`handshake`](Self::handshake) reads the same request.
    pub fn request(&self) -> &RequestInfo {
        self.conn().request()
    }

    /// The HTTP request of the polling POST that carried the event being handled (engine.io's
    /// `socket.conn.transport.dataReq`), in that event's handlers (and its catch-all listeners and
    /// middlewares), awaits included. `None` over websocket, outside an event's handlers, and unless
    /// the engine keeps those requests:
    ///
    /// ```no_run
    /// use sio_server::{AckSender, Server, ServerConfig, Socket};
    ///
    /// let io = Server::new(ServerConfig::default().engine(|e| e.data_requests(true)));
    /// io.on_connection(|socket: Socket| async move {
    ///     socket.on("whoami", |socket: Socket, (): (), ack: AckSender| async move {
    ///         let agent = socket
    ///             .data_request()
    ///             .and_then(|r| r.headers.get("user-agent")?.to_str().ok().map(String::from));
    ///         let _ = ack.send(&agent);
    ///     });
    /// });
    /// ```
    pub fn data_request(&self) -> Option<Arc<RequestInfo>> {
        self.conn().data_request()
    }

    /// Whether the socket is connected to its namespace.
    pub fn connected(&self) -> bool {
        self.0.connected.load(Ordering::Acquire)
    }

    /// Whether this socket recovered the state of a previous connection (connection state recovery): same
    /// id, rooms and data, and the packets it missed were delivered before the CONNECT answer.
    pub fn recovered(&self) -> bool {
        self.0.recovered
    }

    /// Whether the socket is disconnected.
    pub fn disconnected(&self) -> bool {
        !self.connected()
    }

    /// The rooms the socket is in (still readable in `disconnecting` listeners).
    pub fn rooms(&self) -> Vec<Room> {
        if let Some(rooms) = lock(&self.0.closing_rooms).as_ref() {
            return rooms.clone();
        }
        self.0
            .nsp
            .adapter()
            .socket_rooms(&self.0.id)
            .unwrap_or_default()
    }

    /// Joins one room or several.
    pub fn join(&self, rooms: impl RoomParam) {
        if !self.connected() {
            return;
        }
        self.0
            .nsp
            .adapter()
            .add_all(&self.0.id, &rooms.into_rooms());
    }

    /// Leaves one room or several.
    pub fn leave(&self, rooms: impl RoomParam) {
        let adapter = self.0.nsp.adapter();
        for room in rooms.into_rooms() {
            adapter.del(&self.0.id, &room);
        }
    }

    /// The per-socket data (`socket.data`), shared by every handler and visible to `fetch_sockets`, read
    /// as `T` in place (the stored value is not copied first).
    pub fn data<T: DeserializeOwned>(&self) -> Option<T> {
        sio_protocol::value::from_value_ref(&lock(&self.0.data)).ok()
    }

    /// The per-socket data as a value.
    pub fn data_value(&self) -> Value {
        lock(&self.0.data).clone()
    }

    /// Replaces the per-socket data.
    pub fn set_data<T: Serialize + ?Sized>(
        &self,
        data: &T,
    ) -> Result<(), sio_protocol::value::Error> {
        let value = sio_protocol::value::to_value(data)?;
        *lock(&self.0.data) = value;
        Ok(())
    }

    /// Registers a listener for an event. `handler` is an async function of the socket and the arguments
    /// (one serde type, a tuple for several, or `Vec<Value>`), optionally followed by an [`AckSender`].
    ///
    /// The handlers of a socket start in the order its events arrive, in the connection's task, so one
    /// that finishes without waiting costs no task switch (and should not block the thread). One that
    /// awaits goes on in a task of its own socket, concurrently with the handlers of later events.
    pub fn on<T, M, H>(&self, event: impl Into<String>, handler: H) -> ListenerId
    where
        H: EventHandler<T, M>,
        T: DeserializeOwned + Send + 'static,
        M: 'static,
    {
        self.add_listener(event.into(), erase_event_handler(handler), false)
    }

    /// Registers a listener called for the next occurrence of the event only.
    pub fn once<T, M, H>(&self, event: impl Into<String>, handler: H) -> ListenerId
    where
        H: EventHandler<T, M>,
        T: DeserializeOwned + Send + 'static,
        M: 'static,
    {
        self.add_listener(event.into(), erase_event_handler(handler), true)
    }

    fn add_listener(&self, event: String, f: ErasedEventHandler, once: bool) -> ListenerId {
        self.0.listeners.add_event(event, f, once)
    }

    /// Removes one listener of the event (`Some(id)`) or all of them (`None`).
    pub fn off(&self, event: &str, listener: Option<ListenerId>) {
        self.0.listeners.remove(|e| {
            matches!(e, Entry::Event { event: name, id, .. }
                if name == event && listener.is_none_or(|l| l == *id))
        });
    }

    /// The listeners of an event.
    pub fn listeners(&self, event: &str) -> Vec<ListenerId> {
        self.0.listeners.ids(|e| match e {
            Entry::Event {
                event: name, id, ..
            } if name == event => Some(*id),
            _ => None,
        })
    }

    /// Registers a catch-all listener for incoming events (not acks): `(socket, event, args)`, or
    /// `(socket, event, args, ack)` to answer the client's acknowledgement (see [`AnyHandler`]).
    pub fn on_any<M: 'static>(&self, f: impl AnyHandler<M>) -> ListenerId {
        self.add_any(f, false)
    }

    /// Registers a catch-all listener called before the others.
    pub fn prepend_any<M: 'static>(&self, f: impl AnyHandler<M>) -> ListenerId {
        self.add_any(f, true)
    }

    fn add_any<M: 'static>(&self, f: impl AnyHandler<M>, prepend: bool) -> ListenerId {
        let f: AnyFn = Arc::new(move |s, e, a, ack| f.call(s, e, a, ack));
        self.0.listeners.add_any(f, prepend)
    }

    /// Removes one catch-all listener (`Some(id)`) or all (`None`).
    pub fn off_any(&self, listener: Option<ListenerId>) {
        self.0
            .listeners
            .remove(|e| matches!(e, Entry::Any(id, _) if listener.is_none_or(|l| l == *id)));
    }

    /// The catch-all listeners.
    pub fn listeners_any(&self) -> Vec<ListenerId> {
        self.0.listeners.ids(|e| match e {
            Entry::Any(id, _) => Some(*id),
            _ => None,
        })
    }

    /// Registers a catch-all listener for outgoing events: `(socket, event, args)`, called synchronously when
    /// the event is sent (acks are not included).
    pub fn on_any_outgoing<F>(&self, f: F) -> ListenerId
    where
        F: Fn(&Socket, &str, &[Value]) + Send + Sync + 'static,
    {
        self.add_any_outgoing(Arc::new(f), false)
    }

    /// Registers an outgoing catch-all listener called before the others.
    pub fn prepend_any_outgoing<F>(&self, f: F) -> ListenerId
    where
        F: Fn(&Socket, &str, &[Value]) + Send + Sync + 'static,
    {
        self.add_any_outgoing(Arc::new(f), true)
    }

    fn add_any_outgoing(&self, f: OutgoingFn, prepend: bool) -> ListenerId {
        self.0.listeners.add_any_outgoing(f, prepend)
    }

    /// Removes one outgoing catch-all listener (`Some(id)`) or all (`None`).
    pub fn off_any_outgoing(&self, listener: Option<ListenerId>) {
        self.0.listeners.remove(
            |e| matches!(e, Entry::AnyOutgoing(id, _) if listener.is_none_or(|l| l == *id)),
        );
    }

    /// The outgoing catch-all listeners.
    pub fn listeners_any_outgoing(&self) -> Vec<ListenerId> {
        self.0.listeners.ids(|e| match e {
            Entry::AnyOutgoing(id, _) => Some(*id),
            _ => None,
        })
    }

    /// Called when the socket is about to be disconnected, its rooms still readable.
    pub fn on_disconnecting<F, Fut>(&self, f: F)
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let f: DisconnectFn = Arc::new(move |s, r| Box::pin(f(s, r)));
        self.0.listeners.add(Entry::Disconnecting(f), false);
    }

    /// Called once the socket is disconnected, with the official reason.
    pub fn on_disconnect<F, Fut>(&self, f: F)
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let f: DisconnectFn = Arc::new(move |s, r| Box::pin(f(s, r)));
        self.0.listeners.add(Entry::Disconnect(f), false);
    }

    /// Called when the underlying connection upgrades from polling to websocket (`socket.conn.on("upgrade")`);
    /// `socket.conn().transport()` then says `websocket`.
    pub fn on_upgrade<F, Fut>(&self, f: F)
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let f: ConnectionFn = Arc::new(move |s| Box::pin(f(s)));
        self.0.listeners.add(Entry::Upgrade(f), false);
    }

    pub(crate) fn on_transport_upgrade(&self) {
        let listeners = self.0.listeners.collect(|e| match e {
            Entry::Upgrade(f) => Some(f),
            _ => None,
        });
        if listeners.is_empty() {
            return;
        }
        let socket = self.clone();
        self.run(Box::pin(async move {
            for f in listeners {
                f(socket.clone()).await;
            }
        }));
    }

    /// Called when an incoming event cannot be delivered: its arguments do not fit a handler's types, or a
    /// per-packet middleware rejected it (the `error` event of the official API).
    pub fn on_error<F, Fut>(&self, f: F)
    where
        F: Fn(Socket, SocketError) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let f: ErrorFn = Arc::new(move |s, e| Box::pin(f(s, e)));
        self.0.listeners.add(Entry::Error(f), false);
    }

    /// Adds a per-packet middleware (`socket.use`): it sees every incoming event before the listeners, may
    /// change it, or reject it with an error that goes to the error listeners.
    pub fn use_middleware<F, Fut>(&self, f: F)
    where
        F: Fn(Socket, IncomingEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<IncomingEvent, MiddlewareError>> + Send + 'static,
    {
        let f: PacketMiddlewareFn = Arc::new(move |s, e| Box::pin(f(s, e)));
        self.0.listeners.add(Entry::Middleware(f), false);
    }

    /// Emits an event to this client. `args`: a tuple is several arguments, `()` none, anything else one
    /// argument; binary (`bytes::Bytes`, `Value::Binary`) may appear anywhere.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.emitter().emit(event, args)
    }

    /// Emits an event with a list of arguments.
    pub fn emit_args(&self, event: &str, args: Vec<Value>) -> Result<(), EmitError> {
        self.emitter().emit_args(event, args)
    }

    /// Emits an event and waits for the client's acknowledgement (no time limit; see [`Socket::timeout`]).
    /// The answer's arguments are read as `R` by the rules of event arguments.
    pub async fn emit_with_ack<T, R>(&self, event: &str, args: &T) -> Result<R, AckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + 'static,
    {
        self.emitter().emit_with_ack(event, args).await
    }

    /// An emitter whose acknowledgements fail with [`AckError::Timeout`] after `timeout`.
    pub fn timeout(&self, timeout: Duration) -> SocketEmitter {
        let mut e = self.emitter();
        e.flags.timeout = Some(timeout);
        e
    }

    /// An emitter whose packets are dropped when the transport is not writable.
    pub fn volatile(&self) -> SocketEmitter {
        let mut e = self.emitter();
        e.flags.volatile = true;
        e
    }

    /// An emitter with the compress flag set.
    pub fn compress(&self, compress: bool) -> SocketEmitter {
        let mut e = self.emitter();
        e.flags.compress = Some(compress);
        e
    }

    fn emitter(&self) -> SocketEmitter {
        SocketEmitter {
            socket: self.clone(),
            flags: BroadcastFlags::default(),
        }
    }

    /// A broadcast to every socket of the namespace but this one.
    pub fn broadcast(&self) -> BroadcastOperator {
        BroadcastOperator::new(self.0.nsp.clone()).except(self.0.id.clone())
    }

    /// A broadcast to the room(s), excluding this socket.
    pub fn to(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// Same as [`Socket::to`].
    pub fn in_(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.to(rooms)
    }

    /// A broadcast to every socket but this one and those in the room(s).
    pub fn except(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.broadcast().except(rooms)
    }

    /// A broadcast, excluding this socket, to the sockets of this server only.
    pub fn local(&self) -> BroadcastOperator {
        self.broadcast().local()
    }

    /// Disconnects this socket from its namespace; with `close`, also closes the underlying connection
    /// (every namespace of the client).
    pub fn disconnect(&self, close: bool) {
        if !self.connected() {
            return;
        }
        if close {
            self.0.client.disconnect_all();
        } else {
            let _ = self.send_packet(PacketData::Disconnect, Delivery::PLAIN);
            self.on_close(DisconnectReason::ServerNamespaceDisconnect);
        }
    }

    /// This socket as `fetch_sockets` describes it.
    pub fn details(&self) -> SocketDetails {
        SocketDetails {
            id: self.0.id.clone(),
            handshake: self.0.handshake.clone(),
            rooms: self.rooms(),
            data: self.data_value(),
        }
    }

    // ----- internals -----

    pub(crate) fn is_writable(&self) -> bool {
        self.conn().is_writable()
    }

    /// Runs handler work after the work submitted before (see [`Jobs`]).
    pub(crate) fn run(&self, fut: BoxFut) {
        self.submit(Job::Task(fut));
    }

    fn submit(&self, job: Job) {
        // Off the runtime (a disconnection from a plain thread), handlers still start on it.
        let _runtime = match tokio::runtime::Handle::try_current() {
            Ok(_) => None,
            Err(_) => self.0.nsp.runtime().map(|r| r.enter()),
        };
        self.0.jobs.run(self, job);
    }

    pub(crate) fn jobs(&self) -> &Jobs {
        &self.0.jobs
    }

    /// Encodes and sends one packet of this namespace.
    pub(crate) fn send_packet(
        &self,
        data: PacketData,
        delivery: Delivery,
    ) -> Result<(), EmitError> {
        if !self.connected() {
            return Err(EmitError::Disconnected);
        }
        let packet = sio_protocol::socket::Packet {
            nsp: self.0.nsp.name().to_owned(),
            data,
        };
        let encoded = self.0.nsp.parser().encode(&packet)?;
        write_frames(self.conn(), &self.0.id, &encoded.frames, delivery)
    }

    /// Sends already encoded frames; volatile ones are dropped when the transport is not writable.
    pub(crate) fn write_encoded(&self, frames: &[Frame], delivery: Delivery) {
        write_encoded(self.conn(), &self.0.id, frames, delivery);
    }

    pub(crate) fn has_outgoing_listeners(&self) -> bool {
        self.0.listeners.has_outgoing()
    }

    pub(crate) fn notify_outgoing(&self, event: &str, args: &[Value]) {
        if let Some(listeners) = self.0.listeners.outgoing() {
            for f in listeners {
                f(self, event, args);
            }
        }
    }

    pub(crate) fn register_broadcast_ack(&self, id: u64, acks: AckCollector) {
        lock(&self.0.acks).insert(id, AckWaiter::Broadcast(acks));
    }

    pub(crate) fn remove_ack(&self, id: u64) {
        lock(&self.0.acks).remove(&id);
    }

    /// Marks the socket connected (it now receives the client's packets, queued behind its connection job).
    pub(crate) fn mark_connected(&self) {
        self.0.connected.store(true, Ordering::Release);
    }

    /// For a recovered socket, right after [`Socket::mark_connected`]: joins its rooms again and writes the
    /// packets it missed, before anything else can be broadcast to it (so nothing falls between the
    /// restored log and the live broadcasts) and before the CONNECT answer, as in the official server: the
    /// client keeps them in its receive buffer and delivers them when the CONNECT answer arrives.
    pub(crate) fn restore_state(&self) {
        let Some((rooms, missed)) = lock(&self.0.restored).take() else {
            return;
        };
        let mut all = vec![self.0.id.clone()];
        all.extend(rooms.into_iter().filter(|r| *r != self.0.id));
        self.0.nsp.adapter().add_all(&self.0.id, &all);
        for MissedPacket { event, args } in missed {
            let _ = self.send_packet(
                PacketData::Event {
                    event,
                    args,
                    id: None,
                },
                Delivery::PLAIN,
            );
        }
    }

    /// Undoes [`Socket::mark_connected`] when the client closed before the socket could be attached.
    pub(crate) fn abort_connect(&self) {
        self.0.connected.store(false, Ordering::Release);
        self.0.nsp.adapter().del_all(&self.0.id);
        self.0.jobs.close();
    }

    /// Joins the socket's own room and sends the CONNECT answer; the socket's first job, so that nothing
    /// reaches the client before it and the connection handlers start before any event. Whether the answer
    /// went out: then the connection handlers run, even if the socket disconnects meanwhile (its
    /// disconnection listeners run after them).
    pub(crate) fn on_connect(&self) -> bool {
        if !self.connected() {
            return false;
        }
        let adapter = self.0.nsp.adapter();
        adapter.add_all(&self.0.id, std::slice::from_ref(&self.0.id));
        if !self.connected() {
            adapter.del_all(&self.0.id);
            return false;
        }
        let mut map = sio_protocol::value::Map::new();
        map.insert("sid".into(), Value::String(self.0.id.clone()));
        if let Some(pid) = &self.0.pid {
            map.insert("pid".into(), Value::String(pid.clone()));
        }
        // A Socket.IO 2.x client takes a CONNECT answer without payload.
        let payload = (!crate::legacy::is_legacy(self.conn())).then_some(Value::Object(map));
        self.send_packet(PacketData::Connect(payload), Delivery::PLAIN)
            .is_ok()
    }

    /// Handles a packet the client sent to this namespace (never CONNECT / CONNECT_ERROR).
    pub(crate) fn on_packet(&self, data: PacketData) {
        match data {
            PacketData::Event { event, args, id } => self.on_event(event, args, id),
            PacketData::Ack { args, id } => self.on_ack(id, args),
            PacketData::Disconnect => self.on_close(DisconnectReason::ClientNamespaceDisconnect),
            PacketData::Connect(_) | PacketData::ConnectError(_) => {}
        }
    }

    fn on_event(&self, event: String, args: Vec<Value>, id: Option<u64>) {
        let limit = self.0.client.max_pending_events();
        if self.0.jobs.pending() >= limit {
            tracing::warn!(sid = %self.0.id, limit, "too many pending events, closing the connection");
            self.0.client.force_close();
            return;
        }
        let request = self.conn().data_request();
        self.submit(Job::Event {
            event,
            args,
            id,
            request,
        });
    }

    /// The work of an incoming event, or `None` when there is none left. Without catch-all listeners and
    /// per-packet middlewares (the usual case), that is the handler's own future.
    pub(crate) fn dispatch(
        &self,
        event: String,
        args: Vec<Value>,
        id: Option<u64>,
    ) -> Option<BoxFut> {
        let ack = AckSender::new(self.clone(), id);
        if self.0.listeners.intercepted() {
            let socket = self.clone();
            return Some(Box::pin(async move {
                if let Some(deliver) = socket.intercept(event, args, ack).await {
                    deliver.await;
                }
            }));
        }
        self.deliver(event, args, ack)
    }

    /// Runs the catch-all listeners and the per-packet middlewares, then delivers what passed them.
    async fn intercept(&self, event: String, args: Vec<Value>, ack: AckSender) -> Option<BoxFut> {
        let any: Vec<AnyFn> = self.0.listeners.collect(|e| match e {
            Entry::Any(_, f) => Some(f),
            _ => None,
        });
        let middlewares: Vec<PacketMiddlewareFn> = self.0.listeners.collect(|e| match e {
            Entry::Middleware(f) => Some(f),
            _ => None,
        });
        for f in any {
            f(self.clone(), event.clone(), args.clone(), ack.clone()).await;
        }
        let mut incoming = IncomingEvent { event, args };
        for mw in middlewares {
            let event = incoming.event.clone();
            match mw(self.clone(), incoming).await {
                Ok(next) => incoming = next,
                Err(error) => {
                    self.report(SocketError::Rejected { event, error }).await;
                    return None;
                }
            }
        }
        self.deliver(incoming.event, incoming.args, ack)
    }

    /// Calls the event's listeners: the future of the one listener, or of all of them in turn.
    fn deliver(&self, event: String, args: Vec<Value>, ack: AckSender) -> Option<BoxFut> {
        if !self.connected() {
            tracing::debug!(sid = %self.0.id, "ignoring event received after disconnection");
            return None;
        }
        match self.0.listeners.take_event(&event) {
            EventHandlers::None => {
                tracing::trace!(sid = %self.0.id, event, "no listener for event");
                None
            }
            EventHandlers::One(handler) => Some(self.call(&handler, &event, args, ack)),
            EventHandlers::Several(handlers) => {
                let socket = self.clone();
                Some(Box::pin(async move {
                    let count = handlers.len();
                    let mut args = Some(args);
                    for (i, handler) in handlers.iter().enumerate() {
                        let a = if i + 1 == count {
                            args.take().unwrap_or_default()
                        } else {
                            args.clone().unwrap_or_default()
                        };
                        socket.call(handler, &event, a, ack.clone()).await;
                    }
                }))
            }
        }
    }

    /// One listener's future; when the arguments do not fit its types, the error listeners'.
    fn call(
        &self,
        handler: &ErasedEventHandler,
        event: &str,
        args: Vec<Value>,
        ack: AckSender,
    ) -> BoxFut {
        match handler(self.clone(), args, ack) {
            Ok(fut) => fut,
            Err(message) => {
                tracing::warn!(sid = %self.0.id, event, %message, "event arguments do not fit the handler");
                let socket = self.clone();
                let event = event.to_owned();
                Box::pin(async move {
                    socket
                        .report(SocketError::InvalidArgs { event, message })
                        .await
                })
            }
        }
    }

    async fn report(&self, error: SocketError) {
        let handlers: Vec<ErrorFn> = self.0.listeners.collect(|e| match e {
            Entry::Error(f) => Some(f),
            _ => None,
        });
        if handlers.is_empty() {
            tracing::warn!(sid = %self.0.id, %error, "socket error without error listener");
        }
        for f in handlers {
            f(self.clone(), error.clone()).await;
        }
    }

    fn on_ack(&self, id: u64, args: Vec<Value>) {
        let waiter = lock(&self.0.acks).remove(&id);
        match waiter {
            Some(AckWaiter::Single(tx)) => {
                let _ = tx.send(args);
            }
            Some(AckWaiter::Broadcast(acks)) => {
                acks.answer(args.into_iter().next().unwrap_or(Value::Null));
            }
            None => tracing::debug!(sid = %self.0.id, id, "ack for an unknown id ignored"),
        }
    }

    /// Removes the socket from its namespace and rooms, then runs the `disconnecting` and `disconnect`
    /// listeners. Idempotent.
    pub(crate) fn on_close(&self, reason: DisconnectReason) {
        if !self.0.connected.swap(false, Ordering::AcqRel) {
            return;
        }
        tracing::debug!(sid = %self.0.id, nsp = self.0.nsp.name(), %reason, "socket disconnected");
        let adapter = self.0.nsp.adapter();
        let rooms = adapter.socket_rooms(&self.0.id).unwrap_or_default();
        if let Some(pid) = &self.0.pid {
            if reason.is_recoverable() {
                let session = SessionToPersist {
                    sid: self.0.id.clone(),
                    pid: pid.clone(),
                    rooms: rooms.clone(),
                    data: self.data_value(),
                };
                let adapter = adapter.clone();
                crate::adapter::run_now_or_spawn(
                    async move { adapter.persist_session(session).await },
                );
            }
        }
        *lock(&self.0.closing_rooms) = Some(rooms);
        adapter.del_all(&self.0.id);
        self.0.nsp.remove_socket(&self.0.id);
        self.0.client.remove_socket(self.0.nsp.name());
        lock(&self.0.acks).clear();
        let socket = self.clone();
        self.run(Box::pin(async move {
            let disconnecting = socket.0.listeners.collect(|e| match e {
                Entry::Disconnecting(f) => Some(f),
                _ => None,
            });
            let disconnect = socket.0.listeners.collect(|e| match e {
                Entry::Disconnect(f) => Some(f),
                _ => None,
            });
            for f in disconnecting {
                f(socket.clone(), reason).await;
            }
            *lock(&socket.0.closing_rooms) = Some(Vec::new());
            for f in disconnect {
                f(socket.clone(), reason).await;
            }
            // Drop the listeners: they may hold clones of this socket.
            socket.0.listeners.clear();
        }));
        self.0.jobs.close();
    }

    fn register_ack(&self, id: u64) -> oneshot::Receiver<Vec<Value>> {
        let (tx, rx) = oneshot::channel();
        lock(&self.0.acks).insert(id, AckWaiter::Single(tx));
        rx
    }
}

impl PartialEq for Socket {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Socket {}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.0.id)
            .field("nsp", &self.0.nsp.name())
            .field("connected", &self.connected())
            .finish()
    }
}

/// Emits to one socket with flags (`socket.timeout(d)`, `socket.volatile()`, `socket.compress(b)`).
#[derive(Clone)]
pub struct SocketEmitter {
    socket: Socket,
    flags: BroadcastFlags,
}

impl SocketEmitter {
    /// Sets the acknowledgement timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.flags.timeout = Some(timeout);
        self
    }

    /// Drops the packet when the transport is not writable.
    pub fn volatile(mut self) -> Self {
        self.flags.volatile = true;
        self
    }

    /// Sets the compress flag.
    pub fn compress(mut self, compress: bool) -> Self {
        self.flags.compress = Some(compress);
        self
    }

    /// Emits an event (see [`Socket::emit`]).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        check_reserved(event)?;
        let args = sio_protocol::value::to_args(args)?;
        self.emit_args(event, args)
    }

    /// Emits an event with a list of arguments.
    pub fn emit_args(&self, event: &str, args: Vec<Value>) -> Result<(), EmitError> {
        check_reserved(event)?;
        let nsp = &self.socket.0.nsp;
        if nsp.connection_state_recovery().is_some() {
            // Through the adapter, to the socket's own room: the packet is stored (and gets its offset), so
            // the client can receive it again after a recovery, as in the official server.
            if !self.socket.connected() {
                return Err(EmitError::Disconnected);
            }
            let packet = sio_protocol::socket::Packet {
                nsp: nsp.name().to_owned(),
                data: PacketData::Event {
                    event: event.to_owned(),
                    args,
                    id: None,
                },
            };
            let opts = BroadcastOptions {
                rooms: std::iter::once(self.socket.0.id.clone()).collect(),
                except: Default::default(),
                flags: self.flags.clone(),
            };
            let adapter = nsp.adapter();
            crate::adapter::run_now_or_spawn(async move { adapter.broadcast(packet, opts).await });
            return Ok(());
        }
        self.socket.notify_outgoing(event, &args);
        let data = PacketData::Event {
            event: event.to_owned(),
            args,
            id: None,
        };
        self.socket.send_packet(data, Delivery::of(&self.flags))
    }

    /// Emits an event and waits for the acknowledgement, read as `R`.
    pub async fn emit_with_ack<T, R>(&self, event: &str, args: &T) -> Result<R, AckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + 'static,
    {
        check_reserved(event)?;
        let args = sio_protocol::value::to_args(args).map_err(EmitError::from)?;
        let answer = self.emit_args_with_ack(event, args).await?;
        decode_answer(answer)
    }

    /// Emits an event with a list of arguments and waits for the acknowledgement's arguments.
    pub async fn emit_args_with_ack(
        &self,
        event: &str,
        args: Vec<Value>,
    ) -> Result<Vec<Value>, AckError> {
        check_reserved(event)?;
        let socket = &self.socket;
        let id = socket.0.nsp.next_ack_id();
        let rx = socket.register_ack(id);
        socket.notify_outgoing(event, &args);
        let data = PacketData::Event {
            event: event.to_owned(),
            args,
            id: Some(id),
        };
        if let Err(e) = socket.send_packet(data, Delivery::of(&self.flags)) {
            socket.remove_ack(id);
            return Err(e.into());
        }
        match self.flags.timeout {
            None => rx.await.map_err(|_| AckError::Disconnected),
            Some(timeout) => match tokio::time::timeout(timeout, rx).await {
                Ok(answer) => answer.map_err(|_| AckError::Disconnected),
                Err(_) => {
                    socket.remove_ack(id);
                    Err(AckError::Timeout {
                        timeout,
                        responses: Vec::new(),
                    })
                }
            },
        }
    }
}

/// Sends frames encoded for socket `sid` on its connection `conn`, logging a failure; volatile ones
/// are dropped when the transport is not writable. A broadcast reaches each recipient through here.
pub(crate) fn write_encoded(conn: &EngineSocket, sid: &str, frames: &[Frame], delivery: Delivery) {
    if let Err(e) = write_frames(conn, sid, frames, delivery) {
        tracing::debug!(sid, error = %e, "packet not delivered");
    }
}

fn write_frames(
    conn: &EngineSocket,
    sid: &str,
    frames: &[Frame],
    delivery: Delivery,
) -> Result<(), EmitError> {
    if delivery.volatile && !conn.is_writable() {
        tracing::trace!(sid, "volatile packet dropped: transport not writable");
        return Ok(());
    }
    conn.send_with(frames, delivery.compress)
        .map_err(|e| match e {
            SendError::Closed => EmitError::Disconnected,
            SendError::Full => EmitError::QueueFull,
        })
}
