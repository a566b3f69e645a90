//! The classic Redis adapter of one namespace (`RedisAdapter` of `@socket.io/redis-adapter` 8.x): every
//! operation acts on this node's sockets through the in-memory adapter and goes to the other nodes over
//! Redis pub/sub; what the other nodes publish is replayed here.

use super::message::{self as msg, object, RequestType};
use super::requests::{uid2, Gathered, Outcome, Requests};
use super::RedisAdapterOptions;
use crate::connection::{MessageHandler, RedisConnection, SubscriptionKind};
use crate::details::details_of;
use crate::publisher::{Publisher, Verb};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use sio_protocol::socket::Packet;
use sio_protocol::value::{msgpack, Map};
use sio_protocol::Value;
use sio_server::adapter::{
    AckCollector, AckUpdate, Adapter, BroadcastOptions, InMemoryAdapter, NamespaceHandle, Room,
    Session, SessionToPersist, SocketDetails, SocketId,
};
use sio_server::{AckError, AdapterError};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// The channels of one namespace.
struct Channels {
    /// Broadcasts: `key#nsp#`, plus `room#` when a broadcast targets exactly one room.
    broadcast: String,
    /// Requests: `key-request#nsp#`; its subscriber count is the server count.
    request: String,
    /// Responses: `key-response#nsp#`.
    response: String,
    /// Responses meant for this node: `key-response#nsp#uid#`.
    own_response: String,
}

/// The classic Redis adapter of one namespace.
pub struct RedisAdapter {
    local: InMemoryAdapter,
    nsp: NamespaceHandle,
    uid: String,
    channels: Channels,
    options: RedisAdapterOptions,
    conn: RedisConnection,
    publisher: Publisher,
    requests: Requests,
    /// Broadcasts with ack this node sent, by request id, until their timeout.
    ack_requests: Mutex<HashMap<String, AckCollector>>,
    me: Weak<RedisAdapter>,
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

    fn handler(&self, on: fn(&RedisAdapter, &str, Bytes)) -> MessageHandler {
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
    fn publish_response(&self, request: &Map, payload: Vec<u8>) {
        let channel = match (
            self.options.publish_on_specific_response_channel,
            request.get("uid").and_then(Value::as_str),
        ) {
            (true, Some(uid)) => format!("{}{uid}#", self.channels.response),
            _ => self.channels.response.clone(),
        };
        self.publisher
            .send_detached(Verb::Publish, channel, payload);
    }

    async fn server_count_now(&self) -> Result<usize, AdapterError> {
        Ok(self.conn.subscribers(&self.channels.request, false).await?)
    }

    /// A broadcast published by another node.
    fn on_broadcast(&self, _channel: &str, payload: Bytes) {
        let Some((uid, packet, opts)) = msg::decode_broadcast(&payload) else {
            tracing::debug!("ignoring a malformed broadcast");
            return;
        };
        if uid == self.uid {
            return;
        }
        let Some((nsp, event, args)) = msg::packet_parts(&packet) else {
            return;
        };
        if nsp != self.nsp.name() {
            return;
        }
        if let Err(error) = self
            .local
            .broadcast_local(&Packet::event(nsp, event, args), &opts)
        {
            tracing::warn!(%error, "cannot replay a broadcast from Redis");
        }
    }

    /// A request or a response published by a node.
    fn on_request(&self, channel: &str, payload: Bytes) {
        if channel.starts_with(&self.channels.response) {
            return self.on_response(payload);
        }
        let Some(request) = msg::decode_object(&payload) else {
            tracing::debug!("ignoring a malformed request");
            return;
        };
        let Some(kind) = msg::request_type(&request) else {
            return;
        };
        let own = request.get("uid").and_then(Value::as_str) == Some(self.uid.as_str());
        let request_id = request.get("requestId").and_then(Value::as_str);
        let opts = || msg::options_of(request.get("opts"));
        match kind {
            RequestType::Sockets | RequestType::AllRooms | RequestType::RemoteFetch => {
                let Some(id) = request_id else { return };
                if own || self.requests.contains(id) {
                    return;
                }
                let answer = match kind {
                    RequestType::Sockets => {
                        let ids = self.local.select(&BroadcastOptions {
                            rooms: msg::rooms_of(request.get("rooms")),
                            ..Default::default()
                        });
                        let ids = ids.iter().map(|s| Value::from(s.id())).collect();
                        ("sockets", Value::Array(ids))
                    }
                    RequestType::AllRooms => {
                        let rooms = self.local.rooms().into_iter().map(Value::from).collect();
                        ("rooms", Value::Array(rooms))
                    }
                    _ => {
                        let sockets = self.local.fetch_sockets_local(&opts());
                        let sockets = sockets
                            .iter()
                            .filter_map(|d| Value::from_serde(d).ok())
                            .collect();
                        ("sockets", Value::Array(sockets))
                    }
                };
                let response = object([("requestId", Value::from(id)), answer]);
                self.publish_response(&request, msg::json(&response));
            }
            RequestType::RemoteJoin | RequestType::RemoteLeave | RequestType::RemoteDisconnect => {
                // This node applied its own request when it made it.
                if own {
                    return;
                }
                self.on_remote_operation(kind, &request, request_id)
            }
            RequestType::ServerSideEmit => {
                if own {
                    return;
                }
                self.on_server_side_emit(&request);
            }
            RequestType::Broadcast => {
                let Some(id) = request_id else { return };
                if own || self.lock_acks().contains_key(id) {
                    return;
                }
                self.on_broadcast_with_ack(id.to_owned(), &request, opts());
            }
            RequestType::BroadcastClientCount | RequestType::BroadcastAck => {}
        }
    }

    fn on_remote_operation(&self, kind: RequestType, request: &Map, request_id: Option<&str>) {
        if request.contains_key("opts") {
            let opts = msg::options_of(request.get("opts"));
            let rooms: Vec<Room> = msg::rooms_of(request.get("rooms")).into_iter().collect();
            match kind {
                RequestType::RemoteJoin => self.local.add_sockets_local(&opts, &rooms),
                RequestType::RemoteLeave => self.local.del_sockets_local(&opts, &rooms),
                _ => {
                    let close = request.get("close").and_then(Value::as_bool) == Some(true);
                    self.local.disconnect_sockets_local(&opts, close)
                }
            }
            return;
        }
        // The form of adapters before 7.0: one socket by id, answered.
        let Some(sid) = request.get("sid").and_then(Value::as_str) else {
            return;
        };
        let Some(socket) = self.nsp.sockets_by_ids(&[sid.to_owned()]).pop() else {
            return;
        };
        match kind {
            RequestType::RemoteJoin | RequestType::RemoteLeave => {
                let Some(room) = request.get("room").and_then(Value::as_str) else {
                    return;
                };
                match kind {
                    RequestType::RemoteJoin => socket.join(room.to_owned()),
                    _ => socket.leave(room.to_owned()),
                }
            }
            _ => socket.disconnect(request.get("close").and_then(Value::as_bool) == Some(true)),
        }
        if let Some(id) = request_id {
            let response = object([("requestId", Value::from(id))]);
            self.publish_response(request, msg::json(&response));
        }
    }

    fn on_server_side_emit(&self, request: &Map) {
        let Some(Value::Array(data)) = request.get("data") else {
            return;
        };
        let mut data = data.clone().into_iter();
        let Some(Value::String(event)) = data.next() else {
            return;
        };
        let args: Vec<Value> = data.collect();
        let ack = request.get("requestId").cloned().map(|id| {
            // The answer always goes to the shared response channel, as the official adapter sends it.
            let publisher = self.publisher.clone();
            let channel = self.channels.response.clone();
            Box::new(move |arg: Value| {
                let response = object([
                    ("type", Value::from(RequestType::ServerSideEmit as u8)),
                    ("requestId", id),
                    ("data", arg),
                ]);
                publisher.send_detached(Verb::Publish, channel, msg::json(&response));
            }) as sio_server::adapter::ServerSideAck
        });
        self.nsp.server_side_emit_received(&event, args, ack);
    }

    fn on_broadcast_with_ack(&self, request_id: String, request: &Map, opts: BroadcastOptions) {
        let Some((_, event, args)) = request.get("packet").and_then(msg::packet_parts) else {
            return;
        };
        let packet = Packet::event_with_ack(self.nsp.name(), event, args, self.nsp.next_ack_id());
        let (collector, mut reports) = AckCollector::new();
        if let Err(error) = self
            .local
            .broadcast_with_ack_local(&packet, &opts, &collector)
        {
            tracing::warn!(%error, "cannot replay a broadcast with ack from Redis");
            return;
        }
        drop(collector);
        let publisher = self.publisher.clone();
        let channel = match (
            self.options.publish_on_specific_response_channel,
            request.get("uid").and_then(Value::as_str),
        ) {
            (true, Some(uid)) => format!("{}{uid}#", self.channels.response),
            _ => self.channels.response.clone(),
        };
        let deadline = opts.flags.timeout.unwrap_or(self.options.requests_timeout);
        // Relays this node's client count and each client's answer until the sender stops waiting.
        tokio::spawn(async move {
            let relay = async {
                while let Some(update) = reports.recv().await {
                    let payload = match update {
                        AckUpdate::Expect(n) => msg::json(&object([
                            ("type", Value::from(RequestType::BroadcastClientCount as u8)),
                            ("requestId", Value::from(request_id.as_str())),
                            ("clientCount", Value::from(n as u64)),
                        ])),
                        AckUpdate::Answer(arg) => msgpack::encode(&object([
                            ("type", Value::from(RequestType::BroadcastAck as u8)),
                            ("requestId", Value::from(request_id.as_str())),
                            ("packet", arg),
                        ])),
                    };
                    publisher.send_detached(Verb::Publish, channel.clone(), payload);
                }
            };
            let _ = tokio::time::timeout(deadline, relay).await;
        });
    }

    /// An answer to a request (of this node or another).
    fn on_response(&self, payload: Bytes) {
        let Some(response) = msg::decode_object(&payload) else {
            tracing::debug!("ignoring a malformed response");
            return;
        };
        let Some(id) = response.get("requestId").and_then(Value::as_str) else {
            return;
        };
        if let Some(collector) = self.lock_acks().get(id).cloned() {
            match msg::request_type(&response) {
                Some(RequestType::BroadcastClientCount) => {
                    let n = response.get("clientCount").and_then(Value::as_u64);
                    collector.expect(n.unwrap_or(0) as usize);
                }
                Some(RequestType::BroadcastAck) => {
                    collector.answer(response.get("packet").cloned().unwrap_or(Value::Null));
                }
                _ => {}
            }
            return;
        }
        self.requests.answer(id, |gathered| match gathered {
            Gathered::Sockets(sockets) => {
                if let Some(Value::Array(list)) = response.get("sockets") {
                    sockets.extend(list.iter().filter_map(details_of));
                }
            }
            Gathered::Rooms(rooms) => {
                rooms.extend(msg::rooms_of(response.get("rooms")));
            }
            Gathered::Responses(responses) => {
                responses.push(response.get("data").cloned().unwrap_or(Value::Null));
            }
        });
    }

    fn lock_acks(&self) -> std::sync::MutexGuard<'_, HashMap<String, AckCollector>> {
        self.ack_requests.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends a request and gathers the answers of every other node (this node counted as one already).
    async fn request(
        &self,
        kind: RequestType,
        extra: Vec<(&str, Value)>,
        gathered: Gathered,
        expected: usize,
        received: usize,
    ) -> Outcome {
        let id = uid2(6);
        let mut request = Map::new();
        request.insert("uid".into(), Value::from(self.uid.as_str()));
        request.insert("requestId".into(), Value::from(id.as_str()));
        request.insert("type".into(), Value::from(kind as u8));
        for (k, v) in extra {
            request.insert(k.into(), v);
        }
        let rx = self.requests.start(&id, expected, received, gathered);
        let sent = self
            .publish(
                self.channels.request.clone(),
                msg::json(&Value::Object(request)),
            )
            .await;
        if let Err(error) = sent {
            tracing::warn!(%error, "cannot send a request to the other servers");
        }
        self.requests
            .finish(&id, rx, self.options.requests_timeout)
            .await
    }

    /// Every room of every node (`allRooms`).
    pub async fn all_rooms(&self) -> Result<HashSet<Room>, AdapterError> {
        let local: HashSet<Room> = self.local.rooms().into_iter().collect();
        let servers = self.server_count_now().await?;
        if servers <= 1 {
            return Ok(local);
        }
        match self
            .request(
                RequestType::AllRooms,
                vec![],
                Gathered::Rooms(local),
                servers,
                1,
            )
            .await
        {
            Outcome::Complete(Gathered::Rooms(rooms)) => Ok(rooms),
            _ => Err(AdapterError::Backend(
                "timeout reached while waiting for allRooms response".into(),
            )),
        }
    }

    fn remote_operation(
        &self,
        kind: RequestType,
        opts: &BroadcastOptions,
        extra: (&str, Value),
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
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
            let servers = self.server_count_now().await?;
            if servers <= 1 {
                return Ok(local);
            }
            let extra = vec![("opts", msg::selection(&opts))];
            match self
                .request(
                    RequestType::RemoteFetch,
                    extra,
                    Gathered::Sockets(local),
                    servers,
                    1,
                )
                .await
            {
                Outcome::Complete(Gathered::Sockets(sockets)) => Ok(sockets),
                _ => Err(AdapterError::Backend(
                    "timeout reached while waiting for fetchSockets response".into(),
                )),
            }
        })
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.add_sockets_local(&opts, &rooms);
        if opts.flags.local {
            return Box::pin(async { Ok(()) });
        }
        let rooms = Value::Array(rooms.into_iter().map(Value::from).collect());
        self.remote_operation(RequestType::RemoteJoin, &opts, ("rooms", rooms))
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.del_sockets_local(&opts, &rooms);
        if opts.flags.local {
            return Box::pin(async { Ok(()) });
        }
        let rooms = Value::Array(rooms.into_iter().map(Value::from).collect());
        self.remote_operation(RequestType::RemoteLeave, &opts, ("rooms", rooms))
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.disconnect_sockets_local(&opts, close);
        if opts.flags.local {
            return Box::pin(async { Ok(()) });
        }
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
