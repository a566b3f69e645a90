//! Namespace protocol on the manager's task: CONNECT, events, acks, buffers, retries and recovery per socket.

use super::actor::{Actor, Ready};
use super::cmd::Done;
use super::emit::{AckKind, PendingAck, Queued};
use crate::ack::AckSender;
use crate::buffer::{Incoming, ReceiveBuffer, SendBuffer};
use crate::dispatch::{Dispatch, SocketShared};
use crate::error::{AckError, ConnectError, Error};
use crate::incoming::Event;
use crate::inflow::Credit;
use crate::options::Auth;
use crate::reason::DisconnectReason;
use crate::retry::RetryQueue;
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::value::Map;
use sio_protocol::Value;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The protocol state of one namespace socket.
pub(super) struct Nsp {
    pub shared: Arc<SocketShared>,
    pub auth: Auth,
    pub active: bool,
    pub connected: bool,
    /// A CONNECT was sent on the current engine session and not answered yet.
    pub connect_sent: bool,
    pub(super) next_ack: u64,
    pub(super) acks: HashMap<u64, PendingAck>,
    pub(super) send_buffer: SendBuffer,
    pub(super) receive_buffer: ReceiveBuffer,
    pub(super) queue: RetryQueue<Queued>,
    pub(super) pid: Option<String>,
    pub(super) last_offset: Option<String>,
    pub(super) connect_waiters: Vec<Done>,
}

impl Nsp {
    pub fn new(shared: Arc<SocketShared>, auth: Auth, retries: u32) -> Self {
        Nsp {
            shared,
            auth,
            active: false,
            connected: false,
            connect_sent: false,
            next_ack: 0,
            acks: HashMap::new(),
            send_buffer: SendBuffer::default(),
            receive_buffer: ReceiveBuffer::default(),
            queue: RetryQueue::new(retries),
            pid: None,
            last_offset: None,
            connect_waiters: Vec::new(),
        }
    }

    fn set_active(&mut self, active: bool) {
        self.active = active;
        self.shared.set_active(active);
    }

    fn reserved(&self, name: &str, args: Vec<Value>) {
        self.shared.dispatch(Dispatch::Reserved(Event {
            name: name.to_owned(),
            args,
            ack: None,
        }));
    }

    fn connect_error(&mut self, err: &ConnectError) {
        let mut map = Map::new();
        map.insert("message".into(), Value::String(err.message.clone()));
        if let Some(d) = &err.data {
            map.insert("data".into(), d.clone());
        }
        self.reserved("connect_error", vec![Value::Object(map)]);
    }

    /// The engine could not be opened: a temporary failure, retried by the manager.
    pub fn connect_error_transport(&mut self, e: &Error) {
        if !self.connected {
            self.connect_error(&ConnectError {
                message: e.to_string(),
                data: None,
            });
        }
    }

    /// Lets `emit` see how many emits wait here, and how many acks (for [`crate::Bounds::buffered_emits`]).
    pub fn publish_buffered(&self) {
        let n = self.send_buffer.len() + self.queue.len();
        self.shared.buffered.store(n, Ordering::Release);
        self.shared
            .pending_acks
            .store(self.acks.len(), Ordering::Release);
    }

    pub fn fail_connect_waiters(&mut self, e: &Error) {
        for d in self.connect_waiters.drain(..) {
            let _ = d.send(Err(e.clone()));
        }
    }
}

impl Actor {
    pub(super) fn socket_connect(&mut self, nsp: &str, done: Option<Done>) {
        let Some(n) = self.nsps.get_mut(nsp) else {
            if let Some(d) = done {
                let _ = d.send(Err(Error::Closed));
            }
            return;
        };
        if n.connected {
            if let Some(d) = done {
                let _ = d.send(Ok(()));
            }
            return;
        }
        n.connect_waiters.extend(done);
        n.set_active(true);
        if !self.reconnecting() {
            self.open(None);
        }
        if self.ready == Ready::Open {
            self.send_connect(nsp);
        }
    }

    /// Sends CONNECT with the auth payload, plus `pid` and `offset` to recover a previous session.
    pub(super) fn send_connect(&mut self, nsp: &str) {
        let Some(n) = self.nsps.get_mut(nsp) else {
            return;
        };
        if n.connect_sent || n.connected {
            return;
        }
        n.connect_sent = true;
        let auth = n.auth.resolve();
        let data = match &n.pid {
            None => auth,
            Some(pid) => {
                let mut map = Map::new();
                map.insert("pid".into(), Value::String(pid.clone()));
                map.insert(
                    "offset".into(),
                    n.last_offset.clone().map(Value::String).unwrap_or_default(),
                );
                if let Some(Value::Object(extra)) = auth {
                    map.extend(extra);
                }
                Some(Value::Object(map))
            }
        };
        let _ = self.send_packet(&Packet::connect(nsp, data));
    }

    pub(super) fn socket_disconnect(&mut self, nsp: &str) {
        let Some(n) = self.nsps.get_mut(nsp) else {
            return;
        };
        let was_connected = n.connected;
        n.set_active(false);
        n.connect_sent = false;
        n.fail_connect_waiters(&Error::Closed);
        if was_connected {
            let _ = self.send_packet(&Packet::disconnect(nsp));
        }
        self.close_if_unused();
        if was_connected {
            self.socket_onclose(nsp, DisconnectReason::IoClientDisconnect);
        }
    }

    /// The socket lost its connection: `disconnect` event, and pending acks fail.
    pub(super) fn socket_onclose(&mut self, nsp: &str, reason: DisconnectReason) {
        let Some(n) = self.nsps.get_mut(nsp) else {
            return;
        };
        let was_connected = n.connected;
        n.connected = false;
        n.connect_sent = false;
        n.shared.set_link(None, false);
        n.shared.set_connected(false);
        n.shared.set_id(None);
        if was_connected {
            n.reserved("disconnect", vec![Value::String(reason.as_str().into())]);
        }
        let ids: Vec<u64> = n
            .acks
            .keys()
            .copied()
            .filter(|id| !n.send_buffer.contains_ack(*id))
            .collect();
        for id in ids {
            if let Some(p) = n.acks.remove(&id) {
                if let Some(key) = p.deadline {
                    self.deadlines.remove(key);
                }
                if let AckKind::User(tx) = p.kind {
                    let _ = tx.send(Err(AckError::Disconnected));
                }
            }
        }
        n.queue.on_disconnect();
    }

    /// Handles one packet; its credit is released when this returns, or once its handlers ran for an event.
    pub(super) fn on_packet(&mut self, packet: Packet, credit: Credit) {
        let receive_capacity = self.receive_capacity;
        let nsp = packet.nsp;
        let Some(n) = self.nsps.get_mut(&nsp) else {
            tracing::debug!(nsp, "packet for a namespace without socket");
            return;
        };
        if !n.active {
            return;
        }
        match packet.data {
            PacketData::Connect(data) => {
                let sid = data
                    .as_ref()
                    .and_then(|d| d.get("sid"))
                    .and_then(Value::as_str);
                match sid {
                    Some(sid) => {
                        let pid = data
                            .as_ref()
                            .and_then(|d| d.get("pid"))
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                        let sid = sid.to_owned();
                        self.on_connect(&nsp, sid, pid);
                    }
                    None => n.connect_error(&ConnectError {
                        message: "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)".into(),
                        data: None,
                    }),
                }
            }
            PacketData::ConnectError(v) => {
                let err = ConnectError {
                    message: v
                        .get("message")
                        .and_then(Value::as_str)
                        .or(v.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    data: v.get("data").cloned(),
                };
                n.set_active(false);
                n.connect_sent = false;
                n.connect_error(&err);
                n.fail_connect_waiters(&Error::Connect(err));
                self.close_if_unused();
            }
            PacketData::Event { event, args, id } => {
                if n.pid.is_some() {
                    if let Some(Value::String(offset)) = args.last() {
                        n.last_offset = Some(offset.clone());
                    }
                }
                if n.connected {
                    let cmd = self.cmd_tx.upgrade();
                    let ack = id
                        .zip(cmd)
                        .map(|(id, cmd)| AckSender::new(nsp.clone(), id, cmd));
                    n.shared.dispatch(Dispatch::Event(
                        Event {
                            name: event,
                            args,
                            ack,
                        },
                        Some(credit),
                    ));
                } else if n.receive_buffer.len() >= receive_capacity {
                    tracing::warn!(
                        nsp,
                        event,
                        "receive buffer full: event before CONNECT dropped"
                    );
                } else {
                    n.receive_buffer.push(Incoming {
                        event,
                        args,
                        ack_id: id,
                    });
                }
            }
            PacketData::Ack { args, id } => self.on_ack(&nsp, id, args),
            PacketData::Disconnect => {
                n.set_active(false);
                self.close_if_unused();
                self.socket_onclose(&nsp, DisconnectReason::IoServerDisconnect);
            }
        }
    }

    fn on_connect(&mut self, nsp: &str, sid: String, pid: Option<String>) {
        let open = self.ready == Ready::Open;
        let cmd_tx = self.cmd_tx.upgrade();
        let Some(n) = self.nsps.get_mut(nsp) else {
            return;
        };
        n.shared.set_id(Some(sid));
        let recovered = pid.is_some() && n.pid == pid;
        n.shared.recovered.store(recovered, Ordering::Release);
        n.pid = pid;
        n.connected = true;
        n.connect_sent = false;
        n.shared.set_connected(true);
        for i in n.receive_buffer.drain() {
            let ack = i
                .ack_id
                .zip(cmd_tx.clone())
                .map(|(id, cmd)| AckSender::new(nsp.to_owned(), id, cmd));
            n.shared.dispatch(Dispatch::Event(
                Event {
                    name: i.event,
                    args: i.args,
                    ack,
                },
                None,
            ));
        }
        let buffered = n.send_buffer.drain();
        for o in &buffered {
            n.shared.dispatch(Dispatch::Outgoing(Event {
                name: o.event.clone(),
                args: o.args.clone(),
                ack: None,
            }));
        }
        if open {
            for o in buffered {
                let packet = match o.ack_id {
                    Some(id) => Packet::event_with_ack(nsp, o.event, o.args, id),
                    None => Packet::event(nsp, o.event, o.args),
                };
                self.send_or_fail_ack(&packet, o.ack_id);
            }
        }
        self.drain_queue(nsp, true);
        let engine = self.engine.clone().filter(|_| open);
        if let Some(n) = self.nsps.get_mut(nsp) {
            let receive = n.pid.is_none();
            n.shared.set_link(engine, receive);
            n.reserved("connect", Vec::new());
            for d in n.connect_waiters.drain(..) {
                let _ = d.send(Ok(()));
            }
        }
    }
}
