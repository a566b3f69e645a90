//! The classic Redis adapter of one namespace (`RedisAdapter` of `@socket.io/redis-adapter` 8.x): every
//! operation acts on this node's sockets through the in-memory adapter and goes to the other nodes over
//! Redis pub/sub; what the other nodes publish is replayed here.

use super::message::{self as msg, object, RequestType};
use super::requests::{uid2, Gathered, Outcome, Requests};
use super::RedisAdapterOptions;
use crate::connection::{MessageHandler, RedisConnection, SubscriptionKind};
use crate::publisher::{Publisher, Verb};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use sio_protocol::socket::Packet;
use sio_protocol::value::{msgpack, Map};
use sio_protocol::Value;
use sio_server::adapter::{
    AckCollector, Adapter, BroadcastOptions, InMemoryAdapter, NamespaceHandle, Room, Session,
    SessionToPersist, SocketDetails, SocketId,
};
use sio_server::{AckError, AdapterError};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// The channels of one namespace.
pub(super) struct Channels {
    /// Broadcasts: `key#nsp#`, plus `room#` when a broadcast targets exactly one room.
    pub(super) broadcast: String,
    /// Requests: `key-request#nsp#`; its subscriber count is the server count.
    pub(super) request: String,
    /// Responses: `key-response#nsp#`.
    pub(super) response: String,
    /// Responses meant for this node: `key-response#nsp#uid#`.
    pub(super) own_response: String,
}

/// The classic Redis adapter of one namespace.
pub struct RedisAdapter {
    pub(super) local: InMemoryAdapter,
    pub(super) nsp: NamespaceHandle,
    pub(super) uid: String,
    pub(super) channels: Channels,
    pub(super) options: RedisAdapterOptions,
    pub(super) conn: RedisConnection,
    pub(super) publisher: Publisher,
    pub(super) requests: Requests,
    /// Broadcasts with ack this node sent, by request id, until their timeout.
    pub(super) ack_requests: Mutex<HashMap<String, AckCollector>>,
    pub(super) me: Weak<RedisAdapter>,
}

impl RedisAdapter {
    pub(crate) fn new(
        nsp: NamespaceHandle,
        conn: RedisConnection,
        publisher: Publisher,
        options: RedisAdapterOptions,
    ) -> Arc<RedisAdapter> {
        let key = &options.key;
        let name = nsp.name();
        let uid = uid2(6);
        let channels = Channels {
            broadcast: format!("{key}#{name}#"),
            request: format!("{key}-request#{name}#"),
            response: format!("{key}-response#{name}#"),
            own_response: format!("{key}-response#{name}#{uid}#"),
        };
        Arc::new_cyclic(|me| RedisAdapter {
            local: InMemoryAdapter::new(nsp.clone()),
            nsp,
            uid,
            channels,
            options,
            conn,
            publisher,
            requests: Requests::default(),
            ack_requests: Mutex::new(HashMap::new()),
            me: me.clone(),
        })
    }

    /// This node's id in the cluster (6 random characters, as the official adapter's).
    pub fn uid(&self) -> &str {
        &self.uid
    }

    pub(super) fn handler(&self, on: fn(&RedisAdapter, &str, Bytes)) -> MessageHandler {
        let me = self.me.clone();
        Arc::new(move |channel, payload| {
            if let Some(me) = me.upgrade() {
                on(&me, channel, payload);
            }
        })
    }

    fn publish(
        &self,
        channel: String,
        payload: Vec<u8>,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        Box::pin(self.publisher.send(Verb::Publish, channel, payload))
    }

    /// Where an answer to `request` goes: the shared response channel, or the asker's own.
    pub(super) fn response_channel(&self, request: &Map) -> String {
        match (
            self.options.publish_on_specific_response_channel,
            request.get("uid").and_then(Value::as_str),
        ) {
            (true, Some(uid)) => format!("{}{uid}#", self.channels.response),
            _ => self.channels.response.clone(),
        }
    }

    /// Publishes an answer to `request`.
    pub(super) fn publish_response(&self, request: &Map, payload: Vec<u8>) {
        let channel = self.response_channel(request);
        self.publisher
            .send_detached(Verb::Publish, channel, payload);
    }

    async fn server_count_now(&self) -> Result<usize, AdapterError> {
        Ok(self.conn.subscribers(&self.channels.request, false).await?)
    }

    pub(super) fn lock_acks(&self) -> std::sync::MutexGuard<'_, HashMap<String, AckCollector>> {
        self.ack_requests.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks every other node (`kind`, with the `extra` fields) and adds their answers to this node's own,
    /// `gathered`; `what` names the request in the timeout error, as the official adapter does.
    async fn gather(
        &self,
        kind: RequestType,
        extra: Vec<(&str, Value)>,
        gathered: Gathered,
        what: &str,
    ) -> Result<Gathered, AdapterError> {
        let servers = self.server_count_now().await?;
        if servers <= 1 {
            return Ok(gathered);
        }
        let id = uid2(6);
        let mut request = Map::new();
        request.insert("uid".into(), Value::from(self.uid.as_str()));
        request.insert("requestId".into(), Value::from(id.as_str()));
        request.insert("type".into(), Value::from(kind as u8));
        for (k, v) in extra {
            request.insert(k.into(), v);
        }
        // This node's answer counts as the first of `servers`.
        let rx = self.requests.start(&id, servers, 1, gathered);
        let payload = msg::json(&Value::Object(request));
        if let Err(error) = self.publish(self.channels.request.clone(), payload).await {
            tracing::warn!(%error, "cannot send a request to the other servers");
        }
        match self
            .requests
            .finish(&id, rx, self.options.requests_timeout)
            .await
        {
            Outcome::Complete(gathered) => Ok(gathered),
            Outcome::TimedOut(..) => Err(AdapterError::Backend(format!(
                "timeout reached while waiting for {what} response"
            ))),
        }
    }

    /// Every room of every node (`allRooms`).
    pub async fn all_rooms(&self) -> Result<HashSet<Room>, AdapterError> {
        let local = Gathered::Rooms(self.local.rooms().into_iter().collect());
        match self
            .gather(RequestType::AllRooms, vec![], local, "allRooms")
            .await?
        {
            Gathered::Rooms(rooms) => Ok(rooms),
            _ => Ok(HashSet::new()),
        }
    }

    /// Publishes a join, leave or disconnect request (nothing for a local operation).
    fn remote_operation(
        &self,
        kind: RequestType,
        opts: &BroadcastOptions,
        extra: (&str, Value),
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        if opts.flags.local {
            return Box::pin(async { Ok(()) });
        }
        let request = object([
            ("uid", Value::from(self.uid.as_str())),
            ("type", Value::from(kind as u8)),
            ("opts", msg::selection(opts)),
            extra,
        ]);
        self.publish(self.channels.request.clone(), msg::json(&request))
    }
}

impl Adapter for RedisAdapter {
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let pattern = format!("{}*", self.channels.broadcast);
            self.conn
                .subscribe(
                    SubscriptionKind::Pattern,
                    &pattern,
                    self.handler(Self::on_broadcast),
                )
                .await?;
            for channel in [
                &self.channels.request,
                &self.channels.response,
                &self.channels.own_response,
            ] {
                self.conn
                    .subscribe(
                        SubscriptionKind::Channel,
                        channel,
                        self.handler(Self::on_request),
                    )
                    .await?;
            }
            Ok(())
        })
    }

    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let pattern = format!("{}*", self.channels.broadcast);
            self.conn
                .unsubscribe(SubscriptionKind::Pattern, &pattern)
                .await?;
            for channel in [
                &self.channels.request,
                &self.channels.response,
                &self.channels.own_response,
            ] {
                self.conn
                    .unsubscribe(SubscriptionKind::Channel, channel)
                    .await?;
            }
            Ok(())
        })
    }

    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(self.server_count_now())
    }

    fn add_all(&self, id: &str, rooms: &[Room]) {
        self.local.add_all(id, rooms)
    }

    fn del(&self, id: &str, room: &str) {
        self.local.del(id, room)
    }

    fn del_all(&self, id: &str) {
        self.local.del_all(id)
    }

    fn socket_rooms(&self, id: &str) -> Option<Vec<Room>> {
        self.local.socket_rooms(id)
    }

    fn sockets(&self, rooms: HashSet<Room>) -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>> {
        self.local.sockets(rooms)
    }

    fn broadcast(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        let published = match (&packet.data, opts.flags.local) {
            (sio_protocol::socket::PacketData::Event { event, args, .. }, false) => {
                let mut channel = self.channels.broadcast.clone();
                if opts.rooms.len() == 1 {
                    if let Some(room) = opts.rooms.iter().next() {
                        channel.push_str(room);
                        channel.push('#');
                    }
                }
                let wire = msg::packet_value(self.nsp.name(), event, args);
                Some(self.publish(channel, msg::encode_broadcast(&self.uid, wire, &opts)))
            }
            _ => None,
        };
        let local = self.local.broadcast_local(&packet, &opts);
        Box::pin(async move {
            local?;
            match published {
                Some(published) => published.await,
                None => Ok(()),
            }
        })
    }

    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
        acks: AckCollector,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        let published = match (&packet.data, opts.flags.local) {
            (sio_protocol::socket::PacketData::Event { event, args, .. }, false) => {
                let id = uid2(6);
                let request = object([
                    ("uid", Value::from(self.uid.as_str())),
                    ("requestId", Value::from(id.as_str())),
                    ("type", Value::from(RequestType::Broadcast as u8)),
                    ("packet", msg::packet_value(self.nsp.name(), event, args)),
                    ("opts", msg::broadcast_opts(&opts)),
                ]);
                self.lock_acks().insert(id.clone(), acks.clone());
                let me = self.me.clone();
                let keep = opts.flags.timeout.unwrap_or(self.options.requests_timeout);
                tokio::spawn(async move {
                    tokio::time::sleep(keep).await;
                    if let Some(me) = me.upgrade() {
                        me.lock_acks().remove(&id);
                    }
                });
                Some(self.publish(self.channels.request.clone(), msgpack::encode(&request)))
            }
            _ => None,
        };
        let local = self.local.broadcast_with_ack_local(&packet, &opts, &acks);
        Box::pin(async move {
            local?;
            match published {
                Some(published) => published.await,
                None => Ok(()),
            }
        })
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketDetails>, AdapterError>> {
        Box::pin(async move {
            let local = self.local.fetch_sockets_local(&opts);
            if opts.flags.local {
                return Ok(local);
            }
            let extra = vec![("opts", msg::selection(&opts))];
            let local = Gathered::Sockets(local);
            match self
                .gather(RequestType::RemoteFetch, extra, local, "fetchSockets")
                .await?
            {
                Gathered::Sockets(sockets) => Ok(sockets),
                _ => Ok(Vec::new()),
            }
        })
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.add_sockets_local(&opts, &rooms);
        self.remote_operation(
            RequestType::RemoteJoin,
            &opts,
            ("rooms", msg::rooms_value(&rooms)),
        )
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.del_sockets_local(&opts, &rooms);
        self.remote_operation(
            RequestType::RemoteLeave,
            &opts,
            ("rooms", msg::rooms_value(&rooms)),
        )
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.disconnect_sockets_local(&opts, close);
        self.remote_operation(
            RequestType::RemoteDisconnect,
            &opts,
            ("close", Value::Bool(close)),
        )
    }

    fn persist_session(
        &self,
        session: SessionToPersist,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        // Pub/sub keeps nothing: sessions are kept by this node only, as without a cluster.
        self.local.persist_session(session)
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, Result<Option<Session>, AdapterError>> {
        self.local.restore_session(pid, offset)
    }

    fn server_side_emit(
        &self,
        event: String,
        args: Vec<Value>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        let mut data = vec![Value::from(event)];
        data.extend(args);
        let request = object([
            ("uid", Value::from(self.uid.as_str())),
            ("type", Value::from(RequestType::ServerSideEmit as u8)),
            ("data", Value::Array(data)),
        ]);
        self.publish(self.channels.request.clone(), msg::json(&request))
    }

    fn server_side_emit_with_ack(
        &self,
        event: String,
        args: Vec<Value>,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<Vec<Value>, AckError>> {
        Box::pin(async move {
            let others = self.server_count_now().await?.saturating_sub(1);
            if others == 0 {
                return Ok(Vec::new());
            }
            let mut data = vec![Value::from(event)];
            data.extend(args);
            let id = uid2(6);
            let request = object([
                ("uid", Value::from(self.uid.as_str())),
                ("requestId", Value::from(id.as_str())),
                ("type", Value::from(RequestType::ServerSideEmit as u8)),
                ("data", Value::Array(data)),
            ]);
            let rx = self
                .requests
                .start(&id, others, 0, Gathered::Responses(Vec::new()));
            if let Err(error) = self
                .publish(self.channels.request.clone(), msg::json(&request))
                .await
            {
                self.requests.finish(&id, rx, Duration::ZERO).await;
                return Err(error.into());
            }
            match self.requests.finish(&id, rx, timeout).await {
                Outcome::Complete(Gathered::Responses(responses)) => Ok(responses),
                Outcome::TimedOut(Gathered::Responses(responses), expected) => {
                    tracing::debug!(
                        "timeout reached: only {} responses received out of {expected}",
                        responses.len()
                    );
                    Err(AckError::Timeout { timeout, responses })
                }
                _ => Err(AckError::Timeout {
                    timeout,
                    responses: Vec::new(),
                }),
            }
        })
    }
}
