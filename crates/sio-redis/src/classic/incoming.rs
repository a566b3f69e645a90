//! What the other nodes publish, replayed on this node: broadcasts, requests (answered on the response
//! channel) and the answers to this node's own requests.

use super::adapter::RedisAdapter;
use super::message::{self as msg, object, RequestType};
use super::requests::Gathered;
use crate::details::details_of;
use crate::publisher::Verb;
use bytes::Bytes;
use sio_protocol::socket::Packet;
use sio_protocol::value::{msgpack, Map};
use sio_protocol::Value;
use sio_server::adapter::{AckCollector, AckUpdate, BroadcastOptions, Room};

impl RedisAdapter {
    /// A broadcast published by another node.
    pub(super) fn on_broadcast(&self, _channel: &str, payload: Bytes) {
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
    pub(super) fn on_request(&self, channel: &str, payload: Bytes) {
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

    pub(super) fn on_remote_operation(
        &self,
        kind: RequestType,
        request: &Map,
        request_id: Option<&str>,
    ) {
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

    pub(super) fn on_server_side_emit(&self, request: &Map) {
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

    pub(super) fn on_broadcast_with_ack(
        &self,
        request_id: String,
        request: &Map,
        opts: BroadcastOptions,
    ) {
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
        let channel = self.response_channel(request);
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
    pub(super) fn on_response(&self, payload: Bytes) {
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
}
