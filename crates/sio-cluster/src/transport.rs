//! The transport trait: what a cluster adapter needs from Redis, PostgreSQL or any other medium, and the
//! handle through which the transport hands it the messages it receives.

use crate::message::{ClusterMessage, CodecError};
use futures_util::future::BoxFuture;
use sio_server::adapter::{NamespaceHandle, Session, SessionToPersist};
use sio_server::AdapterError;
use std::sync::{Arc, Weak};

/// The position of a message in a stored log (a Redis stream entry id), used as the connection state
/// recovery offset.
pub type Offset = String;

/// Carries [`ClusterMessage`]s between the nodes serving one namespace.
///
/// Only [`publish`](Self::publish) and [`publish_response`](Self::publish_response) are required. Incoming
/// messages go to the [`ClusterHandle`] the transport got in its [`TransportContext`]; the adapter filters
/// out its own messages and other namespaces, so a transport may deliver everything it receives.
pub trait Transport: Send + Sync + 'static {
    /// Called once, when the namespace is created (subscribe here).
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async { Ok(()) })
    }

    /// Called when the namespace closes, after the adapter's last message (unsubscribe here).
    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async { Ok(()) })
    }

    /// Publishes to every node; returns the offset the transport assigned (stream entry id), if any.
    ///
    /// With connection state recovery on, a broadcast that got an offset carries it as its last argument
    /// and is not kept in this node's memory, so return offsets only if the transport keeps sessions and
    /// packets ([`stores_sessions`](Self::stores_sessions)); with `None` the adapter keeps them in memory.
    fn publish(&self, msg: ClusterMessage) -> BoxFuture<'_, Result<Option<Offset>, AdapterError>>;

    /// Publishes a response meant for the node `requester_uid` (a transport that cannot address one node
    /// publishes it to all: the others ignore it).
    fn publish_response(
        &self,
        requester_uid: String,
        msg: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// How many nodes serve this namespace, this one included (not called in heartbeat mode, where the
    /// adapter counts the nodes it hears from).
    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(async { Ok(1) })
    }

    /// Whether the transport wants [`room_created`](Self::room_created) and
    /// [`room_deleted`](Self::room_deleted) (the adapter then counts local room members).
    fn wants_room_events(&self) -> bool {
        false
    }

    /// A local room got its first member. `private`: the room is a local socket's own room. Called under
    /// the adapter's room lock, in order: do not block (spawn the subscription).
    fn room_created(&self, room: &str, private: bool) {
        let _ = (room, private);
    }

    /// A local room lost its last member (same rules as [`room_created`](Self::room_created)).
    fn room_deleted(&self, room: &str, private: bool) {
        let _ = (room, private);
    }

    /// Whether the transport keeps sessions for connection state recovery (then [`persist_session`] and
    /// [`restore_session`] are called, and [`publish`] should return offsets for broadcasts). Otherwise the
    /// adapter keeps sessions in memory on this node, as a single server does.
    ///
    /// [`persist_session`]: Self::persist_session
    /// [`restore_session`]: Self::restore_session
    /// [`publish`]: Self::publish
    fn stores_sessions(&self) -> bool {
        false
    }

    /// Stores the state of a socket that disconnected for a recoverable reason.
    fn persist_session(
        &self,
        session: SessionToPersist,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        let _ = session;
        Box::pin(async { Ok(()) })
    }

    /// The session `pid` and the packets it missed after `offset` (see
    /// [`ClusterMessage::missed_by`](crate::ClusterMessage::missed_by)), or `None`.
    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, Result<Option<Session>, AdapterError>> {
        let _ = (pid, offset);
        Box::pin(async { Ok(None) })
    }
}

/// What a transport factory gets to build the transport of one namespace.
pub struct TransportContext {
    /// The namespace (its name, and the recovery options when recovery is on).
    pub nsp: NamespaceHandle,
    /// The adapter's node id (16 hex characters), e.g. for a per-node response channel.
    pub uid: String,
    /// Where to deliver incoming messages.
    pub handle: ClusterHandle,
}

/// Creates the transport of each namespace.
///
/// Any `Fn(TransportContext) -> T` closure is one.
pub trait TransportFactory: Send + Sync + 'static {
    /// The transport type.
    type Transport: Transport;

    /// The transport for one namespace.
    fn create(&self, ctx: TransportContext) -> Self::Transport;
}

impl<F, T> TransportFactory for F
where
    F: Fn(TransportContext) -> T + Send + Sync + 'static,
    T: Transport,
{
    type Transport = T;

    fn create(&self, ctx: TransportContext) -> T {
        self(ctx)
    }
}

/// The receiving side of an adapter, as its handle reaches it.
pub(crate) trait Receiver: Send + Sync + 'static {
    fn receive(self: Arc<Self>, msg: ClusterMessage, offset: Option<Offset>);
    fn receive_response(self: Arc<Self>, msg: ClusterMessage);
}

/// The handle a transport uses to hand incoming messages to its adapter. It does not keep the adapter alive:
/// once the namespace is gone, messages are dropped.
#[derive(Clone)]
pub struct ClusterHandle {
    pub(crate) uid: Arc<str>,
    pub(crate) nsp: Arc<str>,
    pub(crate) inner: Weak<dyn Receiver>,
}

impl ClusterHandle {
    /// The adapter's node id.
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The namespace name.
    pub fn nsp(&self) -> &str {
        &self.nsp
    }

    /// Whether the adapter still exists.
    pub fn is_alive(&self) -> bool {
        self.inner.strong_count() > 0
    }

    /// Handles a message from the cluster, with the offset the transport gave it (stream entry id), if
    /// any. Messages from this node or for another namespace are ignored; responses are routed as by
    /// [`on_response`](Self::on_response). Call it in the order messages arrive, from a tokio runtime.
    pub fn on_message(&self, msg: ClusterMessage, offset: Option<Offset>) {
        if let Some(inner) = self.inner.upgrade() {
            inner.receive(msg, offset);
        }
    }

    /// Handles a response (for transports that receive them apart).
    pub fn on_response(&self, msg: ClusterMessage) {
        if let Some(inner) = self.inner.upgrade() {
            inner.receive_response(msg);
        }
    }

    /// Decodes a message ([`ClusterMessage::decode`]) and handles it; bad bytes are logged and dropped.
    pub fn on_bytes(&self, bytes: &[u8], offset: Option<Offset>) -> Result<(), CodecError> {
        match ClusterMessage::decode(bytes) {
            Ok(msg) => {
                self.on_message(msg, offset);
                Ok(())
            }
            Err(error) => {
                tracing::warn!(nsp = %self.nsp, %error, "dropping an invalid cluster message");
                Err(error)
            }
        }
    }
}

impl std::fmt::Debug for ClusterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterHandle")
            .field("uid", &self.uid)
            .field("nsp", &self.nsp)
            .finish()
    }
}
