//! The sharded pub/sub adapter, byte-compatible with npm `@socket.io/redis-adapter` 8.x
//! `createShardedAdapter` (Redis 7 `SSUBSCRIBE` / `SPUBLISH`): the cluster adapter core of `sio-cluster` over
//! shard channels.
//!
//! Channels, for the prefix `socket.io` and the namespace `/`: `socket.io#/#` for everything, the node's own
//! `socket.io#/#<uid>#` for the answers to its requests and, in the dynamic modes, `socket.io#/#<room>#`
//! for a broadcast without ack to exactly one room, which only the nodes that have that room subscribe to.
//! The server count is the shard subscriber count of `socket.io#/#`.

use crate::connection::{MessageHandler, RedisConnection, SubscriptionKind};
use crate::publisher::{Publisher, Verb};
use futures_util::future::BoxFuture;
use sio_cluster::{
    ClusterAdapterFactory, ClusterHandle, ClusterMessage, ClusterOptions, MessageBody, Offset,
    Transport, TransportContext, TransportFactory,
};
use sio_server::AdapterError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Which rooms get a shard channel of their own (`subscriptionMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubscriptionMode {
    /// Only the namespace's channel and the node's response channel.
    Static,
    /// Plus one channel per public room (not a socket's own room). The official default.
    #[default]
    Dynamic,
    /// Plus one channel per room, sockets' own rooms included.
    DynamicPrivate,
}

impl std::str::FromStr for SubscriptionMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "static" => Ok(SubscriptionMode::Static),
            "dynamic" => Ok(SubscriptionMode::Dynamic),
            "dynamic-private" => Ok(SubscriptionMode::DynamicPrivate),
            other => Err(format!(
                "unknown subscription mode {other} (static, dynamic or dynamic-private)"
            )),
        }
    }
}

/// The options of the sharded adapter, named and defaulted as the official ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardedAdapterOptions {
    /// The prefix of every channel (`channelPrefix`, default `socket.io`).
    pub channel_prefix: String,
    /// Which rooms get their own channel (`subscriptionMode`, default dynamic).
    pub subscription_mode: SubscriptionMode,
    /// How long to wait for the other servers' answers (default 5 s).
    pub requests_timeout: Duration,
}

impl Default for ShardedAdapterOptions {
    fn default() -> Self {
        ShardedAdapterOptions {
            channel_prefix: "socket.io".into(),
            subscription_mode: SubscriptionMode::Dynamic,
            requests_timeout: sio_cluster::DEFAULT_REQUESTS_TIMEOUT,
        }
    }
}

/// The adapter factory of the sharded adapter (see [`sharded_adapter`]).
pub type ShardedAdapterFactory = ClusterAdapterFactory<ShardedTransports>;

/// Creates the sharded adapter of each namespace (`createShardedAdapter(pubClient, subClient, opts)`);
/// every namespace shares `conn`.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use sio_redis::{sharded_adapter, RedisConnection, RedisTarget, ShardedAdapterOptions};
/// use sio_server::{Server, ServerConfig};
///
/// let conn = RedisConnection::connect(&RedisTarget::parse("redis://127.0.0.1:6379")).await?;
/// let factory = sharded_adapter(conn, ShardedAdapterOptions::default());
/// let io = Server::new(ServerConfig::default().adapter(std::sync::Arc::new(factory)));
/// # Ok(()) }
/// ```
pub fn sharded_adapter(
    conn: RedisConnection,
    options: ShardedAdapterOptions,
) -> ShardedAdapterFactory {
    let cluster = ClusterOptions::default().requests_timeout(options.requests_timeout);
    ClusterAdapterFactory::new(
        ShardedTransports {
            publisher: Publisher::new(conn.clone()),
            conn,
            options,
        },
        cluster,
    )
}

/// Makes the sharded transport of each namespace.
pub struct ShardedTransports {
    conn: RedisConnection,
    publisher: Publisher,
    options: ShardedAdapterOptions,
}

impl TransportFactory for ShardedTransports {
    type Transport = ShardedTransport;

    fn create(&self, ctx: TransportContext) -> ShardedTransport {
        let channel = format!("{}#{}#", self.options.channel_prefix, ctx.nsp.name());
        let (room_changes, changes) = mpsc::unbounded_channel();
        let transport = ShardedTransport {
            response_channel: format!("{channel}{}#", ctx.uid),
            channel,
            mode: self.options.subscription_mode,
            conn: self.conn.clone(),
            publisher: self.publisher.clone(),
            handle: ctx.handle,
            room_changes,
        };
        if transport.mode != SubscriptionMode::Static {
            tokio::spawn(apply_room_changes(
                self.conn.clone(),
                transport.handler(),
                changes,
            ));
        }
        transport
    }
}

/// The sharded pub/sub transport of one namespace.
pub struct ShardedTransport {
    conn: RedisConnection,
    publisher: Publisher,
    handle: ClusterHandle,
    mode: SubscriptionMode,
    /// `prefix#nsp#`.
    channel: String,
    /// `prefix#nsp#uid#`.
    response_channel: String,
    /// Room channel changes, applied in order.
    room_changes: mpsc::UnboundedSender<(String, bool)>,
}

impl ShardedTransport {
    fn handler(&self) -> MessageHandler {
        let handle = self.handle.clone();
        let responses = self.response_channel.clone();
        Arc::new(move |channel, payload| {
            if channel == responses {
                match ClusterMessage::decode(&payload) {
                    Ok(msg) => handle.on_response(msg),
                    Err(error) => tracing::debug!(%error, "ignoring an invalid response"),
                }
            } else {
                let _ = handle.on_bytes(&payload, None);
            }
        })
    }

    fn room_channel(&self, room: &str) -> String {
        format!("{}{room}#", self.channel)
    }

    fn own_channel(&self, room: &str, private: bool) -> bool {
        !room.is_empty()
            && match self.mode {
                SubscriptionMode::Static => false,
                SubscriptionMode::Dynamic => !private,
                SubscriptionMode::DynamicPrivate => true,
            }
    }

    /// The channel a message goes to: a broadcast without ack to one room may use the room's own channel
    /// (ids of 20 characters are taken for a socket's own room, as the official publisher does).
    fn channel_of(&self, msg: &ClusterMessage) -> String {
        if let MessageBody::Broadcast {
            opts,
            request_id: None,
            ..
        } = &msg.body
        {
            if let (1, Some(room)) = (opts.rooms.len(), opts.rooms.iter().next()) {
                let dynamic = match self.mode {
                    SubscriptionMode::Static => false,
                    SubscriptionMode::Dynamic => room.chars().count() != 20,
                    SubscriptionMode::DynamicPrivate => true,
                };
                if dynamic {
                    return self.room_channel(room);
                }
            }
        }
        self.channel.clone()
    }

    fn send(
        &self,
        channel: String,
        msg: &ClusterMessage,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        match msg.encode_json_unless_binary() {
            Ok(payload) => Box::pin(self.publisher.send(Verb::SPublish, channel, payload)),
            Err(e) => {
                let e = AdapterError::Backend(e.to_string());
                Box::pin(async move { Err(e) })
            }
        }
    }

    /// Queues a room channel subscription change (applied in order by [`apply_room_changes`]).
    fn subscription(&self, room: &str, on: bool) {
        let _ = self.room_changes.send((self.room_channel(room), on));
    }
}

/// Subscribes to and unsubscribes from room channels one change after the other, so that a room deleted
/// and created again right away ends subscribed.
async fn apply_room_changes(
    conn: RedisConnection,
    handler: MessageHandler,
    mut changes: mpsc::UnboundedReceiver<(String, bool)>,
) {
    while let Some((channel, on)) = changes.recv().await {
        let result = match on {
            true => {
                conn.subscribe(SubscriptionKind::Shard, &channel, handler.clone())
                    .await
            }
            false => conn.unsubscribe(SubscriptionKind::Shard, &channel).await,
        };
        if let Err(error) = result {
            tracing::warn!(%error, channel, "room channel subscription failed");
        }
    }
}

impl Transport for ShardedTransport {
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            for channel in [&self.channel, &self.response_channel] {
                self.conn
                    .subscribe(SubscriptionKind::Shard, channel, self.handler())
                    .await?;
            }
            Ok(())
        })
    }

    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            for channel in [&self.channel, &self.response_channel] {
                self.conn
                    .unsubscribe(SubscriptionKind::Shard, channel)
                    .await?;
            }
            Ok(())
        })
    }

    fn publish(&self, msg: ClusterMessage) -> BoxFuture<'_, Result<Option<Offset>, AdapterError>> {
        let sent = self.send(self.channel_of(&msg), &msg);
        Box::pin(async move { sent.await.map(|()| None) })
    }

    fn publish_response(
        &self,
        requester_uid: String,
        msg: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.send(format!("{}{requester_uid}#", self.channel), &msg)
    }

    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(async move { Ok(self.conn.subscribers(&self.channel, true).await?) })
    }

    fn wants_room_events(&self) -> bool {
        self.mode != SubscriptionMode::Static
    }

    fn room_created(&self, room: &str, private: bool) {
        if self.own_channel(room, private) {
            self.subscription(room, true);
        }
    }

    fn room_deleted(&self, room: &str, private: bool) {
        if self.own_channel(room, private) {
            self.subscription(room, false);
        }
    }
}
