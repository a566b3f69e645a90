//! A socket: one client connected to one namespace. Here its state, identity, rooms and data; by concern
//! beside it: its listeners, what it sends (`emit`), what it receives (`inbound`), the acks it waits for and
//! its lifecycle.

use crate::adapter::{AckCollector, MissedPacket, Room, Session};
use crate::broadcast::RoomParam;
use crate::client::Client;
use crate::engine::{EngineSocket, RequestInfo};
use crate::extensions::Extensions;
use crate::handshake::Handshake;
pub use crate::listeners::ListenerId;
use crate::listeners::Listeners;
use crate::namespace::Namespace;
use crate::sync::lock;
use jobs::Jobs;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

mod acks;
mod emit;
mod inbound;
mod jobs;
mod lifecycle;
mod listeners;

pub(crate) use emit::write_encoded;
pub use emit::SocketEmitter;

/// A recovered session's rooms and the packets it missed.
type Restored = (Vec<Room>, Vec<MissedPacket>);

enum AckWaiter {
    Single(oneshot::Sender<Vec<Value>>),
    Broadcast(AckCollector),
}

/// What a socket's handlers and lifecycle change, under one lock.
struct State {
    /// The socket's data (`socket.data`).
    data: Value,
    /// The acknowledgements it waits for, by id.
    acks: HashMap<u64, AckWaiter>,
    /// Its rooms from `disconnecting` on (the adapter has let them go).
    closing_rooms: Option<Vec<Room>>,
    /// Rooms and missed packets of a recovered session, consumed by `on_connect` (boxed: most sockets
    /// have none, and every socket would carry their room).
    restored: Option<Box<Restored>>,
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
    state: Mutex<State>,
    listeners: Listeners,
    extensions: Extensions,
    jobs: Jobs,
    /// The private session id (with connection state recovery only).
    pid: Option<String>,
    recovered: bool,
    /// The span its handlers run in: `socket{nsp, id, engine}`, the last the Engine.IO session id.
    span: tracing::Span,
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
                Some(Box::new((s.rooms, s.missed_packets))),
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
        let span = tracing::debug_span!(
            parent: None,
            "socket",
            nsp = %nsp.name(),
            id = %id,
            engine = %client.conn().id()
        );
        Socket(Arc::new(SocketInner {
            span,
            id,
            nsp,
            client,
            handshake,
            connected: AtomicBool::new(false),
            state: Mutex::new(State {
                data,
                acks: HashMap::new(),
                closing_rooms: None,
                restored,
            }),
            listeners: Listeners::default(),
            extensions: Extensions::default(),
            jobs: Jobs::default(),
            pid,
            recovered,
        }))
    }

    /// The socket id: a random 20-character base64 id, also the name of the socket's own room.
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The tracing span of the socket (`socket{nsp, id, engine}`, at debug level), which its handlers run
    /// in: their events carry the socket id and the Engine.IO session id.
    pub fn span(&self) -> &tracing::Span {
        &self.0.span
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
    ///             .and_then(|r| String::from_utf8(r.header("user-agent")?.to_vec()).ok());
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
        if let Some(rooms) = lock(&self.0.state).closing_rooms.as_ref() {
            return rooms.clone();
        }
        self.0
            .nsp
            .adapter()
            .socket_rooms(&self.0.id)
            .unwrap_or_default()
    }

    /// Joins one room or several (a room exists while a socket is in it; each socket is in the room of its
    /// own id from the start). Through the adapter, so that broadcasts to the room from any server of a
    /// cluster reach it.
    ///
    /// ```
    /// # use sio_server::Socket;
    /// # fn on_connection(socket: Socket) {
    /// socket.join("lobby");
    /// socket.join(["team:7", "lang:en"]);
    /// socket.join(vec![format!("user:{}", socket.id())]);
    /// assert!(socket.rooms().iter().any(|r| r == "lobby"));
    /// socket.leave("lobby");
    /// # }
    /// ```
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
        sio_protocol::value::from_value_ref(&lock(&self.0.state).data).ok()
    }

    /// The per-socket data as a value.
    pub fn data_value(&self) -> Value {
        lock(&self.0.state).data.clone()
    }

    /// The socket's extensions: values of any type (a channel, a database handle, a session object...)
    /// that every handler of this socket reads, kept on this server only. What other servers of a cluster
    /// and `fetch_sockets` must see goes in [`data`](Self::data) instead.
    ///
    /// ```
    /// # use sio_server::Socket;
    /// # fn on_connection(socket: Socket) {
    /// #[derive(Clone)]
    /// struct Outbox(tokio::sync::mpsc::Sender<String>);
    ///
    /// let (tx, _rx) = tokio::sync::mpsc::channel(16);
    /// socket.extensions().insert(Outbox(tx));
    /// socket.on("note", |socket: Socket, note: String| async move {
    ///     if let Some(Outbox(tx)) = socket.extensions().get::<Outbox>() {
    ///         let _ = tx.send(note).await;
    ///     }
    /// });
    /// # }
    /// ```
    pub fn extensions(&self) -> &Extensions {
        &self.0.extensions
    }

    /// Replaces the per-socket data.
    pub fn set_data<T: Serialize + ?Sized>(
        &self,
        data: &T,
    ) -> Result<(), sio_protocol::value::Error> {
        let value = sio_protocol::value::to_value(data)?;
        lock(&self.0.state).data = value;
        Ok(())
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
