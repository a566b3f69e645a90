//! The adapter: the layer that knows which sockets are in which rooms and, in a cluster, talks to the other
//! servers. Every server-side operation of the socket layer goes through it.
//!
//! The default is the [`InMemoryAdapter`] (one server). A cluster adapter implements [`Adapter`] by doing
//! each operation locally through an [`InMemoryAdapter`] it wraps (the equivalent of `super.broadcast(...)` in
//! the official cluster adapter) and publishing it to the other servers, whose adapters replay it locally
//! and answer through [`AckCollector`], [`SocketDetails`] and [`NamespaceHandle::server_side_emit_received`].

mod in_memory;
mod session_store;

pub use crate::namespace::NamespaceHandle;
pub use in_memory::{InMemoryAdapter, InMemoryAdapterFactory};

use crate::errors::{AckError, AdapterError};
use crate::handshake::Handshake;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sio_protocol::socket::Packet;
use sio_protocol::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// A room name. Every socket is in the room named by its own id.
pub type Room = String;
/// A socket id (20-character base64 id).
pub type SocketId = String;

/// Modifiers of a broadcast (`volatile`, `compress`, `local`, `timeout`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroadcastFlags {
    /// Drop the packet for recipients whose transport is not writable right now.
    #[serde(default)]
    pub volatile: bool,
    /// Whether to compress (`None`: the default, compress).
    #[serde(default)]
    pub compress: Option<bool>,
    /// Only reach sockets connected to this server (no cluster propagation).
    #[serde(default)]
    pub local: bool,
    /// For broadcasts with acknowledgement: how long to wait for the answers.
    #[serde(default)]
    pub timeout: Option<Duration>,
}

/// Which sockets an operation addresses: those in any of `rooms` (all sockets when empty), minus those in any
/// of `except`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroadcastOptions {
    /// Target rooms (union); empty means every socket of the namespace.
    pub rooms: HashSet<Room>,
    /// Excluded rooms.
    pub except: HashSet<Room>,
    /// Modifiers.
    pub flags: BroadcastFlags,
}

/// What an adapter knows of one socket, possibly on another server (the result of `fetch_sockets`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocketDetails {
    /// The socket id.
    pub id: SocketId,
    /// Its handshake.
    pub handshake: Handshake,
    /// The rooms it is in.
    pub rooms: Vec<Room>,
    /// Its `data`.
    pub data: Value,
}

/// The state of a socket that disconnected for a recoverable reason, kept for connection state recovery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionToPersist {
    /// The socket id, given back on recovery.
    pub sid: SocketId,
    /// The private session id the client presents to recover (`pid`).
    pub pid: String,
    /// The rooms it was in (its own room included).
    pub rooms: Vec<Room>,
    /// Its `data`.
    pub data: Value,
}

/// An event a disconnected socket missed; `args` ends with the packet's offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissedPacket {
    /// The event name.
    pub event: String,
    /// Its arguments, the offset last.
    pub args: Vec<Value>,
}

/// A restored session: the persisted state and the packets missed since the client's offset, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The socket id.
    pub sid: SocketId,
    /// The private session id.
    pub pid: String,
    /// The rooms to join again.
    pub rooms: Vec<Room>,
    /// The `data` to restore.
    pub data: Value,
    /// The events to deliver before the CONNECT answer.
    pub missed_packets: Vec<MissedPacket>,
}

/// Collects the answers to a broadcast with acknowledgement, from this server and (through a cluster adapter)
/// from the others. Each server reports how many clients it sent the packet to with [`expect`], and each
/// client's answer (its first argument) is reported with [`answer`].
///
/// [`expect`]: AckCollector::expect
/// [`answer`]: AckCollector::answer
#[derive(Debug, Clone)]
pub struct AckCollector {
    tx: mpsc::UnboundedSender<AckUpdate>,
}

/// One report to an [`AckCollector`].
#[derive(Debug)]
pub enum AckUpdate {
    /// One server sent the packet to this many clients.
    Expect(usize),
    /// One client answered.
    Answer(Value),
}

impl AckCollector {
    /// A collector and the receiver of its reports (a cluster adapter makes one to relay the answers of its
    /// local clients to the server that asked).
    pub fn new() -> (Self, mpsc::UnboundedReceiver<AckUpdate>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (AckCollector { tx }, rx)
    }

    /// One server sent the packet to `clients` clients (call once per server).
    pub fn expect(&self, clients: usize) {
        let _ = self.tx.send(AckUpdate::Expect(clients));
    }

    /// One client answered (its first ack argument, `null` when it gave none).
    pub fn answer(&self, value: Value) {
        let _ = self.tx.send(AckUpdate::Answer(value));
    }

    /// Whether nobody waits for the answers any more (timed out or dropped).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// Runs an adapter operation that the caller cannot await (a synchronous emit, a disconnection): at once when
/// it completes without waiting (the in-memory adapter always does, which keeps emits in order), else on a
/// task.
pub(crate) fn run_now_or_spawn<F>(fut: F)
where
    F: std::future::Future<Output = Result<(), AdapterError>> + Send + 'static,
{
    crate::task::now_or_spawn(async move {
        if let Err(error) = fut.await {
            tracing::warn!(%error, "adapter operation failed");
        }
    });
}

/// Answers a `server_side_emit` with acknowledgement received from another server.
pub type ServerSideAck = Box<dyn FnOnce(Value) + Send>;

/// Creates the adapter of each namespace.
pub trait AdapterFactory: Send + Sync + 'static {
    /// The adapter for the namespace `nsp`.
    fn create(&self, nsp: NamespaceHandle) -> Arc<dyn Adapter>;
}

/// The adapter of one namespace. Methods that may involve other servers are asynchronous; room membership of
/// local sockets is synchronous.
///
/// The server calls it for rooms and broadcasts; applications choose one with
/// [`ServerConfig::adapter`](crate::ServerConfig::adapter) (the in-memory one by default, a cluster adapter such
/// as sio-redis' to share rooms and broadcasts with other servers) and may ask it questions directly:
///
/// ```
/// use sio_server::adapter::InMemoryAdapterFactory;
/// use sio_server::{Server, ServerConfig};
/// use std::collections::HashSet;
/// use std::sync::Arc;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), sio_server::AdapterError> {
/// let io = Server::new(ServerConfig::default().adapter(Arc::new(InMemoryAdapterFactory)));
/// let adapter = io.of("/chat").adapter();
/// assert_eq!(adapter.server_count().await?, 1); // this server alone
/// // The ids of the sockets in "lobby", on every server; none connected yet.
/// let in_lobby = adapter.sockets(HashSet::from(["lobby".to_owned()])).await?;
/// assert!(in_lobby.is_empty());
/// assert_eq!(adapter.socket_rooms("not-connected"), None);
/// # Ok(()) }
/// ```
pub trait Adapter: Send + Sync + 'static {
    /// Called once when the namespace is created.
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async { Ok(()) })
    }

    /// Called when the namespace is removed or the server closes.
    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async { Ok(()) })
    }

    /// How many servers are in the cluster (1 for a single server).
    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(async { Ok(1) })
    }

    /// Adds a local socket to rooms.
    fn add_all(&self, id: &str, rooms: &[Room]);

    /// Removes a local socket from a room.
    fn del(&self, id: &str, room: &str);

    /// Removes a local socket from every room.
    fn del_all(&self, id: &str);

    /// The rooms a local socket is in.
    fn socket_rooms(&self, id: &str) -> Option<Vec<Room>>;

    /// The ids of the sockets in any of `rooms` (all when empty).
    fn sockets(&self, rooms: HashSet<Room>) -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>>;

    /// Sends a packet to the sockets `opts` selects. The packet is encoded once for all of them.
    fn broadcast(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// Sends a packet that carries an ack id (the same for every recipient) and reports the recipients and
    /// their answers to `acks`.
    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
        acks: AckCollector,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// The sockets `opts` selects, on every server.
    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketDetails>, AdapterError>>;

    /// Makes the selected sockets join `rooms`.
    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// Makes the selected sockets leave `rooms`.
    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// Disconnects the selected sockets (`close`: also close their underlying connection).
    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// Connection state recovery: keeps the state of a socket that disconnected for a recoverable reason
    /// (called only when the server has `connection_state_recovery`). The default keeps nothing; the
    /// [`InMemoryAdapter`] keeps it for `max_disconnection_duration`. A cluster adapter may store it where
    /// every server can restore it.
    fn persist_session(
        &self,
        session: SessionToPersist,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        let _ = session;
        Box::pin(async { Ok(()) })
    }

    /// Connection state recovery: the session `pid` and the packets it missed after `offset` (the last
    /// argument of the last event the client received), or `None` when it cannot be recovered (unknown,
    /// expired, offset no longer stored). With recovery on, the adapter's `broadcast` must store every EVENT
    /// without ack that is not volatile and append its offset as the last argument, as the
    /// [`InMemoryAdapter`] does.
    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, Result<Option<Session>, AdapterError>> {
        let _ = (pid, offset);
        Box::pin(async { Ok(None) })
    }

    /// Emits an event to the other servers of the cluster (nothing to do on a single server).
    fn server_side_emit(
        &self,
        event: String,
        args: Vec<Value>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        let _ = (event, args);
        Box::pin(async { Ok(()) })
    }

    /// Emits an event to the other servers and collects one answer per server within `timeout`. On a single
    /// server there is nobody to answer: the result is empty. On timeout the error carries the answers
    /// received so far.
    fn server_side_emit_with_ack(
        &self,
        event: String,
        args: Vec<Value>,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<Vec<Value>, AckError>> {
        let _ = (event, args, timeout);
        Box::pin(async { Ok(Vec::new()) })
    }
}
