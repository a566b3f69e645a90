//! Received messages, decoded on the engine session's task: a plain event for a connected socket goes
//! straight to that socket's dispatcher; everything else goes to the manager's task, in order.
//!
//! Each decoded packet takes a credit of the manager's [`Inflow`], released once it was handled: the
//! channel to the manager's task is bounded by those credits (the session stops reading at
//! [`crate::Bounds::incoming`]), plus one ping and one close signal per packet the server sent.

use super::cmd::Cmd;
use crate::ack::AckSender;
use crate::dispatch::{Dispatch, SocketShared};
use crate::engine::EngineSink;
use crate::events::lock;
use crate::incoming::Event;
use crate::inflow::{Credit, Inflow};
use crate::mailbox::{mailbox, Receiver, Sender, WeakSender};
use crate::reason::DisconnectReason;
use sio_protocol::engine::Packet as EnginePacket;
use sio_protocol::parser::Decoder;
use sio_protocol::socket::{Packet, PacketData};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The sockets of a manager by namespace.
pub(crate) type Sockets = Arc<Mutex<HashMap<String, Arc<SocketShared>>>>;

/// What the manager's task receives from one engine session.
pub(crate) enum Signal {
    /// Boxed: the channel allocates its slots in blocks, which stay small with small signals.
    Packet(Box<Packet>, Credit),
    Ping,
    Close(DisconnectReason),
}

/// The session's side: decodes, delivers directly when it can, forwards the rest.
pub(super) struct Inbound {
    /// Gone after a packet did not decode: nothing the connection sends afterwards is delivered.
    decoder: Option<Box<dyn Decoder>>,
    sockets: Sockets,
    cmd: WeakSender<Cmd>,
    tx: Sender<Signal>,
    inflow: Arc<Inflow>,
    /// Packets forwarded and not handled yet: while any is, later packets follow them.
    pending: Arc<AtomicUsize>,
}

/// The manager's side of one session's signals.
pub(crate) struct Inbox {
    rx: Receiver<Signal>,
    pending: Arc<AtomicUsize>,
}

/// Connects a new session to the manager.
pub(super) fn channel(
    decoder: Box<dyn Decoder>,
    sockets: Sockets,
    cmd: WeakSender<Cmd>,
    inflow: Arc<Inflow>,
) -> (Inbound, Inbox) {
    let (tx, rx) = mailbox();
    let pending = Arc::new(AtomicUsize::new(0));
    let inbound = Inbound {
        decoder: Some(decoder),
        sockets,
        cmd,
        tx,
        inflow,
        pending: pending.clone(),
    };
    (inbound, Inbox { rx, pending })
}

impl Inbox {
    /// The next signal; `None` once the session is gone. Cancel-safe.
    pub async fn recv(&mut self) -> Option<Signal> {
        self.rx.recv().await
    }

    /// A forwarded packet was handled.
    pub fn handled(&self) {
        self.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Inbound {
    fn forward(&self, packet: Packet, credit: Credit) {
        self.pending.fetch_add(1, Ordering::AcqRel);
        if self
            .tx
            .send(Signal::Packet(Box::new(packet), credit))
            .is_err()
        {
            self.pending.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Delivers an event to a socket that receives directly; gives the packet back otherwise (and
    /// while the manager has not handled earlier packets, or no longer listens to this session).
    fn deliver(&self, packet: Packet, credit: Credit) -> Option<(Packet, Credit)> {
        if !matches!(packet.data, PacketData::Event { .. })
            || self.pending.load(Ordering::Acquire) != 0
            || self.tx.is_closed()
        {
            return Some((packet, credit));
        }
        let Some(socket) = lock(&self.sockets).get(&packet.nsp).cloned() else {
            return Some((packet, credit));
        };
        if !socket.receiving() {
            return Some((packet, credit));
        }
        let Packet { nsp, data } = packet;
        match data {
            PacketData::Event { event, args, id } => {
                let ack = match id {
                    Some(id) => match self.cmd.upgrade() {
                        Some(cmd) => Some(AckSender::new(nsp, id, cmd)),
                        None => return None,
                    },
                    None => None,
                };
                socket.dispatch(Dispatch::Event(
                    Event {
                        name: event,
                        args,
                        ack,
                    },
                    Some(credit),
                ));
                None
            }
            data => Some((Packet { nsp, data }, credit)),
        }
    }
}

impl EngineSink for Inbound {
    fn message(&mut self, message: EnginePacket) {
        let Some(decoder) = &mut self.decoder else {
            return;
        };
        match decoder.decode(message) {
            Ok(Some(packet)) => {
                let credit = self.inflow.credit();
                if let Some((packet, credit)) = self.deliver(packet, credit) {
                    self.forward(packet, credit);
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot decode a packet from the server");
                self.decoder = None;
                let _ = self.tx.send(Signal::Close(DisconnectReason::ParseError));
            }
        }
    }

    fn ping(&mut self) {
        let _ = self.tx.send(Signal::Ping);
    }

    fn close(&mut self, reason: DisconnectReason) {
        let _ = self.tx.send(Signal::Close(reason));
    }
}
