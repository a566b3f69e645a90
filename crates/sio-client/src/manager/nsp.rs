//! A socket's protocol, run on the manager's task: CONNECT and its answer, received packets, the
//! disconnection, buffers and recovery (its emits and acks are in `emit`). The manager finds the socket
//! once per packet or command and lends it the connection ([`Link`]); what the manager must do after
//! (close an unused connection) comes back as [`Then`].

use super::cmd::Done;
use super::emit::{AckKind, PendingAck, Queued};
use super::link::Link;
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
    /// The `retries` option: emits go through the in-order queue when set.
    pub(super) retries: u32,
}

/// What the manager does after a call into a socket.
#[must_use]
pub(super) enum Then {
    /// Nothing more.
    Done,
    /// The socket is no longer active: close the connection if no socket is.
    Unused,
    /// The socket left: as `Unused`, then the socket closes with this reason.
    Left(DisconnectReason),
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
            retries,
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

    /// `socket.connect()`: false when already connected (`done` answered); true when the manager must
    /// open its connection and send the CONNECT.
    pub fn want_connect(&mut self, done: Option<Done>) -> bool {
        if self.connected {
            if let Some(d) = done {
                let _ = d.send(Ok(()));
            }
            return false;
        }
        self.connect_waiters.extend(done);
        self.set_active(true);
        true
    }

    /// Sends CONNECT with the auth payload, plus `pid` and `offset` to recover a previous session.
    pub fn send_connect(&mut self, link: &Link) {
        if !link.open || self.connect_sent || self.connected {
            return;
        }
        self.connect_sent = true;
        let auth = self.auth.resolve();
        let data = match &self.pid {
            None => auth,
            Some(pid) => {
                let mut map = Map::new();
                map.insert("pid".into(), Value::String(pid.clone()));
                map.insert(
                    "offset".into(),
                    self.last_offset
                        .clone()
                        .map(Value::String)
                        .unwrap_or_default(),
                );
                if let Some(Value::Object(extra)) = auth {
                    map.extend(extra);
                }
                Some(Value::Object(map))
            }
        };
        let _ = link.send(&Packet::connect(&self.shared.nsp, data));
    }

    /// `socket.disconnect()`: DISCONNECT when connected; the socket then leaves.
    pub fn disconnect(&mut self, link: &Link) -> Then {
        let was_connected = self.connected;
        self.set_active(false);
        self.connect_sent = false;
        self.fail_connect_waiters(&Error::Closed);
        if was_connected {
            let _ = link.send(&Packet::disconnect(&self.shared.nsp));
            Then::Left(DisconnectReason::IoClientDisconnect)
        } else {
            Then::Unused
        }
    }

    /// The socket lost its connection: `disconnect` event, and pending acks fail.
    pub fn on_close(&mut self, link: &mut Link, reason: DisconnectReason) {
        let was_connected = self.connected;
        self.connected = false;
        self.connect_sent = false;
        self.shared.set_link(None, false);
        self.shared.set_connected(false);
        self.shared.set_id(None);
        if was_connected {
            self.reserved("disconnect", vec![Value::String(reason.as_str().into())]);
        }
        let ids: Vec<u64> = self
            .acks
            .keys()
            .copied()
            .filter(|id| !self.send_buffer.contains_ack(*id))
            .collect();
        for id in ids {
            if let Some(p) = self.acks.remove(&id) {
                if let Some(key) = p.deadline {
                    link.deadlines.remove(key);
                }
                if let AckKind::User(tx) = p.kind {
                    let _ = tx.send(Err(AckError::Disconnected));
                }
            }
        }
        self.queue.on_disconnect();
    }

    /// Handles one packet; its credit is released when this returns, or once its handlers ran for an event.
    pub fn on_packet(&mut self, link: &mut Link, data: PacketData, credit: Credit) -> Then {
        if !self.active {
            return Then::Done;
        }
        match data {
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
                        self.on_connect(link, sid, pid);
                    }
                    None => self.connect_error(&ConnectError {
                        message: "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)".into(),
                        data: None,
                    }),
                }
                Then::Done
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
                self.set_active(false);
                self.connect_sent = false;
                self.connect_error(&err);
                self.fail_connect_waiters(&Error::Connect(err));
                Then::Unused
            }
            PacketData::Event { event, args, id } => {
                self.on_event(link, event, args, id, credit);
                Then::Done
            }
            PacketData::Ack { args, id } => {
                self.on_ack(link, id, args);
                Then::Done
            }
            PacketData::Disconnect => {
                self.set_active(false);
                Then::Left(DisconnectReason::IoServerDisconnect)
            }
        }
    }

    fn on_event(
        &mut self,
        link: &Link,
        event: String,
        args: Vec<Value>,
        id: Option<u64>,
        credit: Credit,
    ) {
        if self.pid.is_some() {
            if let Some(Value::String(offset)) = args.last() {
                self.last_offset = Some(offset.clone());
            }
        }
        if self.connected {
            let ack = id
                .zip(link.cmd_tx.upgrade())
                .map(|(id, cmd)| AckSender::new(self.shared.nsp.clone(), id, cmd));
            self.shared.dispatch(Dispatch::Event(
                Event {
                    name: event,
                    args,
                    ack,
                },
                Some(credit),
            ));
        } else if self.receive_buffer.len() >= link.receive_capacity {
            tracing::warn!(
                nsp = self.shared.nsp,
                event,
                "receive buffer full: event before CONNECT dropped"
            );
        } else {
            self.receive_buffer.push(Incoming {
                event,
                args,
                ack_id: id,
            });
        }
    }

    fn on_connect(&mut self, link: &mut Link, sid: String, pid: Option<String>) {
        self.shared.set_id(Some(sid));
        let recovered = pid.is_some() && self.pid == pid;
        self.shared.recovered.store(recovered, Ordering::Release);
        self.pid = pid;
        self.connected = true;
        self.connect_sent = false;
        self.shared.set_connected(true);
        let cmd_tx = link.cmd_tx.upgrade();
        for i in self.receive_buffer.drain() {
            let ack = i
                .ack_id
                .zip(cmd_tx.clone())
                .map(|(id, cmd)| AckSender::new(self.shared.nsp.clone(), id, cmd));
            self.shared.dispatch(Dispatch::Event(
                Event {
                    name: i.event,
                    args: i.args,
                    ack,
                },
                None,
            ));
        }
        let buffered = self.send_buffer.drain();
        for o in &buffered {
            self.shared.dispatch(Dispatch::Outgoing(Event {
                name: o.event.clone(),
                args: o.args.clone(),
                ack: None,
            }));
        }
        if link.open {
            for o in buffered {
                let nsp = &self.shared.nsp;
                let packet = match o.ack_id {
                    Some(id) => Packet::event_with_ack(nsp, o.event, o.args, id),
                    None => Packet::event(nsp, o.event, o.args),
                };
                self.send_or_fail_ack(link, &packet, o.ack_id);
            }
        }
        self.drain_queue(link, true);
        let engine = link.engine.filter(|_| link.open).cloned();
        let receive = self.pid.is_none();
        self.shared.set_link(engine, receive);
        self.reserved("connect", Vec::new());
        for d in self.connect_waiters.drain(..) {
            let _ = d.send(Ok(()));
        }
    }
}
