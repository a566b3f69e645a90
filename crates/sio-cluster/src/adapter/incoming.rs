//! What a node does with the messages of the others (the official `onMessage` / `onResponse`): replay
//! operations locally, answer requests, feed the answers to the waiting requests.

use super::requests::Answer;
use super::{spawn, ClusterAdapter};
use crate::message::{ClusterMessage, MessageBody, EMITTER_UID};
use crate::transport::{Offset, Receiver, Transport};
use sio_protocol::socket::Packet;
use sio_protocol::Value;
use sio_server::adapter::{AckCollector, AckUpdate, BroadcastOptions};
use std::sync::atomic::Ordering;
use std::sync::Arc;

impl<T: Transport> ClusterAdapter<T> {
    /// Handles a message from the cluster, with the offset the transport gave it (stream entry id), if
    /// any. Messages from this node, for another namespace, or arriving after `close` are ignored.
    /// Operations are replayed before this returns (so call it in arrival order); answers are published
    /// from tasks.
    pub fn on_message(&self, msg: ClusterMessage, offset: Option<Offset>) {
        if msg.uid == self.uid || msg.nsp != self.nsp.name() || self.closed.load(Ordering::Acquire)
        {
            return;
        }
        if let Some(nodes) = &self.nodes {
            if !msg.uid.is_empty() && msg.uid != EMITTER_UID {
                nodes.heard(&msg.uid);
            }
        }
        let ClusterMessage { uid, nsp, body } = msg;
        match body {
            MessageBody::InitialHeartbeat => {
                if self.nodes.is_some() {
                    if let Some(me) = self.me.upgrade() {
                        spawn(async move {
                            if let Err(error) = me.publish(MessageBody::Heartbeat).await {
                                tracing::warn!(uid = %me.uid, %error, "heartbeat not published");
                            }
                        });
                    }
                }
            }
            MessageBody::Heartbeat => {}
            MessageBody::AdapterClose => {
                if self.nodes.is_some() {
                    self.remove_node(&uid);
                }
            }
            MessageBody::Broadcast {
                opts,
                event,
                args,
                request_id: None,
            } => {
                let packet = Packet::event(nsp, event, args);
                if let Err(error) = self.broadcast_here(packet, &opts, offset) {
                    tracing::warn!(uid = %self.uid, %error, "remote broadcast failed");
                }
            }
            MessageBody::Broadcast {
                opts,
                event,
                args,
                request_id: Some(request_id),
            } => self.relay_acks(uid, request_id, opts, event, args),
            MessageBody::SocketsJoin { opts, rooms } => self.local.add_sockets_local(&opts, &rooms),
            MessageBody::SocketsLeave { opts, rooms } => {
                self.local.del_sockets_local(&opts, &rooms)
            }
            MessageBody::DisconnectSockets { opts, close } => {
                self.local.disconnect_sockets_local(&opts, close)
            }
            MessageBody::FetchSockets { opts, request_id } => {
                let sockets = self.local.fetch_sockets_local(&opts);
                let body = MessageBody::FetchSocketsResponse {
                    request_id,
                    sockets,
                };
                self.respond_later(uid, body);
            }
            MessageBody::ServerSideEmit {
                event,
                args,
                request_id,
            } => {
                let ack = request_id.map(|request_id| {
                    let me = self.me.clone();
                    Box::new(move |packet: Value| {
                        if let Some(me) = me.upgrade() {
                            let body = MessageBody::ServerSideEmitResponse { request_id, packet };
                            me.respond_later(uid, body);
                        }
                    }) as Box<dyn FnOnce(Value) + Send>
                });
                self.nsp.server_side_emit_received(&event, args, ack);
            }
            body @ (MessageBody::FetchSocketsResponse { .. }
            | MessageBody::ServerSideEmitResponse { .. }
            | MessageBody::BroadcastClientCount { .. }
            | MessageBody::BroadcastAck { .. }) => {
                self.on_response(ClusterMessage { uid, nsp, body });
            }
        }
    }

    /// Handles a response to one of this node's requests (unknown request ids are ignored).
    pub fn on_response(&self, msg: ClusterMessage) {
        if msg.nsp != self.nsp.name() {
            return;
        }
        match msg.body {
            MessageBody::BroadcastClientCount {
                request_id,
                client_count,
            } => {
                if let Some(acks) = self.lock_acks().get(&request_id) {
                    acks.expect(usize::try_from(client_count).unwrap_or(usize::MAX));
                }
            }
            MessageBody::BroadcastAck { request_id, packet } => {
                if let Some(acks) = self.lock_acks().get(&request_id) {
                    acks.answer(packet);
                }
            }
            MessageBody::FetchSocketsResponse {
                request_id,
                sockets,
            } => self
                .requests
                .answer(&request_id, &msg.uid, Answer::Sockets(sockets)),
            MessageBody::ServerSideEmitResponse { request_id, packet } => {
                self.requests
                    .answer(&request_id, &msg.uid, Answer::Value(packet))
            }
            other => tracing::debug!(
                uid = %self.uid,
                kind = ?other.message_type(),
                "not a response: ignored"
            ),
        }
    }

    /// A broadcast with acknowledgement from another node: sends it to the local sockets, then answers
    /// the requester with the client count (always, even 0) and each client's answer, until every client
    /// answered or the broadcast's timeout (else the requests timeout) passed.
    fn relay_acks(
        &self,
        requester: String,
        request_id: String,
        opts: BroadcastOptions,
        event: String,
        args: Vec<Value>,
    ) {
        let Some(me) = self.me.upgrade() else {
            return;
        };
        let id = self.nsp.next_ack_id();
        let packet = Packet::event_with_ack(self.nsp.name(), event, args, id);
        let (collector, mut rx) = AckCollector::new();
        if let Err(error) = self
            .local
            .broadcast_with_ack_local(&packet, &opts, &collector)
        {
            tracing::warn!(uid = %self.uid, %error, "remote broadcast with ack failed");
            collector.expect(0);
        }
        drop(collector);
        let bound = opts.flags.timeout.unwrap_or(self.opts.requests_timeout);
        spawn(async move {
            let deadline = tokio::time::Instant::now() + bound;
            let mut expected = None;
            let mut answered = 0;
            while expected.is_none_or(|n| answered < n) {
                let update = match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(update)) => update,
                    Ok(None) | Err(_) => break,
                };
                let body = match update {
                    AckUpdate::Expect(n) => {
                        expected = Some(n);
                        MessageBody::BroadcastClientCount {
                            request_id: request_id.clone(),
                            client_count: n as u64,
                        }
                    }
                    AckUpdate::Answer(packet) => {
                        answered += 1;
                        MessageBody::BroadcastAck {
                            request_id: request_id.clone(),
                            packet,
                        }
                    }
                };
                me.respond(requester.clone(), body).await;
            }
        });
    }
}

impl<T: Transport> Receiver for ClusterAdapter<T> {
    fn receive(self: Arc<Self>, msg: ClusterMessage, offset: Option<Offset>) {
        self.on_message(msg, offset);
    }

    fn receive_response(self: Arc<Self>, msg: ClusterMessage) {
        self.on_response(msg);
    }
}
