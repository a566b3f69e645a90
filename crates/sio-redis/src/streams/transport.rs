//! The transport of one namespace: what goes to the stream and what goes over pub/sub, as in
//! `@socket.io/redis-streams-adapter` 0.3.x.
//!
//! - Broadcasts without acknowledgement, `socketsJoin`, `socketsLeave` and `disconnectSockets` are stream
//!   entries (`XADD <stream> MAXLEN ~ <maxLen> * uid .. nsp .. type .. data ..`); the entry id is the
//!   offset, the same on every node.
//! - Broadcasts with acknowledgement, server-side emits and `fetchSockets` are published, as whole
//!   messages in msgpack, on `<prefix>#<nsp>#`; answers go to the requester's `<prefix>#<nsp>#<uid>#`.
//! - The server count is the number of subscribers of `<prefix>#<nsp>#` (`PUBSUB NUMSUB`, or
//!   `SHARDNUMSUB` with sharded pub/sub).

use super::entry;
use super::reader::ReadOptions;
use super::session::{self, Lookup};
use super::Shared;
use crate::connection::{MessageHandler, SubscriptionKind};
use futures_util::future::BoxFuture;
use sio_cluster::{ClusterHandle, ClusterMessage, MessageBody, Offset, Transport};
use sio_server::adapter::{NamespaceHandle, Session, SessionToPersist};
use sio_server::AdapterError;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The Redis Streams transport of one namespace.
pub struct StreamsTransport {
    pub(super) shared: Arc<Shared>,
    pub(super) handle: ClusterHandle,
    pub(super) nsp: NamespaceHandle,
    /// The stream of this namespace.
    pub(super) stream: String,
    /// `prefix#nsp#`.
    pub(super) public_channel: String,
    /// `prefix#nsp#uid#`.
    pub(super) private_channel: String,
}

/// Whether a message goes over pub/sub rather than into the stream (`isEphemeral`).
fn is_ephemeral(msg: &ClusterMessage) -> bool {
    matches!(
        msg.body,
        MessageBody::Broadcast {
            request_id: Some(_),
            ..
        } | MessageBody::ServerSideEmit { .. }
            | MessageBody::FetchSockets { .. }
    )
}

fn failed<T: Send + 'static>(error: impl ToString) -> BoxFuture<'static, Result<T, AdapterError>> {
    let error = AdapterError::Backend(error.to_string());
    Box::pin(async move { Err(error) })
}

impl StreamsTransport {
    /// The stream this namespace's entries go to.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    fn kind(&self) -> SubscriptionKind {
        if self.shared.options.use_sharded_pub_sub {
            SubscriptionKind::Shard
        } else {
            SubscriptionKind::Channel
        }
    }

    fn handler(&self) -> MessageHandler {
        let handle = self.handle.clone();
        Arc::new(move |_channel, payload| {
            // Both channels: the adapter routes answers by their type and skips its own requests.
            let _ = handle.on_bytes(&payload, None);
        })
    }

    /// Queues a whole message, msgpack, on `channel`.
    fn publish_on(
        &self,
        channel: &str,
        msg: &ClusterMessage,
    ) -> impl Future<Output = Result<(), AdapterError>> + Send + 'static {
        let verb = if self.shared.options.use_sharded_pub_sub {
            "SPUBLISH"
        } else {
            "PUBLISH"
        };
        let sent = msg.encode_msgpack().map(|payload| {
            let mut cmd = redis::cmd(verb);
            cmd.arg(channel).arg(payload);
            self.shared.queue.send(cmd)
        });
        async move {
            match sent {
                Ok(sent) => sent.await.map(|_| ()),
                Err(e) => Err(AdapterError::Backend(e.to_string())),
            }
        }
    }
}

impl Transport for StreamsTransport {
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let shared = &self.shared;
            shared.registry.register(self.handle.clone());
            let read = ReadOptions {
                count: shared.options.read_count,
                block: shared.options.block_time,
            };
            let mut ready = shared
                .registry
                .ensure_reader(&shared.conn, &self.stream, read);
            // Entries added from now on reach this node (bounded: Redis may be away); only then does the
            // node subscribe, which makes the others count it, so a node that is counted reads the stream.
            let _ = tokio::time::timeout(Duration::from_secs(5), ready.wait_for(|r| *r)).await;
            for channel in [&self.public_channel, &self.private_channel] {
                shared
                    .conn
                    .subscribe(self.kind(), channel, self.handler())
                    .await?;
            }
            Ok(())
        })
    }

    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.shared.registry.unregister(&self.handle);
            for channel in [&self.public_channel, &self.private_channel] {
                self.shared.conn.unsubscribe(self.kind(), channel).await?;
            }
            Ok(())
        })
    }

    fn publish(&self, msg: ClusterMessage) -> BoxFuture<'_, Result<Option<Offset>, AdapterError>> {
        if is_ephemeral(&msg) {
            let sent = self.publish_on(&self.public_channel, &msg);
            return Box::pin(async move { sent.await.map(|()| None) });
        }
        let cmd = match entry::xadd(&self.stream, self.shared.options.max_len, &msg) {
            Ok(cmd) => cmd,
            Err(e) => return failed(e),
        };
        let sent = self.shared.queue.send(cmd);
        Box::pin(async move {
            let id = sent.await?;
            match redis::from_redis_value::<String>(id) {
                Ok(id) => Ok(Some(id)),
                Err(e) => Err(AdapterError::Backend(format!("XADD gave no entry id: {e}"))),
            }
        })
    }

    fn publish_response(
        &self,
        requester_uid: String,
        msg: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        let channel = self
            .shared
            .options
            .private_channel(self.handle.nsp(), &requester_uid);
        Box::pin(self.publish_on(&channel, &msg))
    }

    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(async move {
            let sharded = self.shared.options.use_sharded_pub_sub;
            Ok(self
                .shared
                .conn
                .subscribers(&self.public_channel, sharded)
                .await?)
        })
    }

    fn stores_sessions(&self) -> bool {
        true
    }

    fn persist_session(
        &self,
        session: SessionToPersist,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let Some(recovery) = self.nsp.connection_state_recovery() else {
                return Ok(());
            };
            let key = format!("{}{}", self.shared.options.session_key_prefix, session.pid);
            let ttl = recovery.max_disconnection_duration;
            session::persist(&self.shared.conn, key, &session, ttl).await
        })
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, Result<Option<Session>, AdapterError>> {
        Box::pin(async move {
            let lookup = Lookup {
                key: format!("{}{pid}", self.shared.options.session_key_prefix),
                stream: &self.stream,
                nsp: self.handle.nsp(),
            };
            session::restore(&self.shared.conn, lookup, &offset).await
        })
    }
}
