//! Emits on the manager's task: ack ids and deadlines, the send buffer, volatile drops and the retry queue.

use super::actor::{Actor, Ready};
use super::cmd::EmitFlags;
use super::deadlines::DeadlineKey;
use crate::ack::AckTx;
use crate::buffer::Outgoing;
use crate::dispatch::Dispatch;
use crate::error::{AckError, Error};
use crate::incoming::Event;
use crate::retry::{Seq, TimeoutOutcome};
use sio_protocol::socket::Packet;
use sio_protocol::Value;
use std::time::Duration;
use tokio::time::Instant;

pub(super) enum AckKind {
    User(AckTx),
    Queue(Seq),
}

pub(super) struct PendingAck {
    pub kind: AckKind,
    /// Its place in the manager's deadlines, with a timeout.
    pub deadline: Option<DeadlineKey>,
    pub timeout: Option<Duration>,
}

pub(super) struct Queued {
    pub event: String,
    pub args: Vec<Value>,
    pub flags: EmitFlags,
    pub ack: Option<AckTx>,
}

impl Actor {
    pub(super) fn socket_emit(
        &mut self,
        nsp: &str,
        event: String,
        args: Vec<Value>,
        flags: EmitFlags,
        ack: Option<AckTx>,
    ) {
        if self.retries > 0 && !flags.volatile {
            let Some(n) = self.nsps.get_mut(nsp) else {
                return;
            };
            n.queue.push(Queued {
                event,
                args,
                flags,
                ack,
            });
            self.drain_queue(nsp, false);
            return;
        }
        self.emit_now(nsp, event, args, flags, ack.map(AckKind::User));
    }

    fn emit_now(
        &mut self,
        nsp: &str,
        event: String,
        args: Vec<Value>,
        flags: EmitFlags,
        kind: Option<AckKind>,
    ) {
        let writable = self.engine_writable();
        let open = self.ready == Ready::Open;
        let default_timeout = self.ack_timeout;
        let Some(n) = self.nsps.get_mut(nsp) else {
            if let Some(AckKind::User(t)) = kind {
                let _ = t.send(Err(AckError::Send(Error::Closed)));
            }
            return;
        };
        let ack_id = kind.map(|kind| {
            let id = n.next_ack;
            n.next_ack += 1;
            let timeout = flags.timeout.or(default_timeout);
            let deadline = timeout.map(|d| self.deadlines.add(Instant::now() + d, nsp, id));
            n.acks.insert(
                id,
                PendingAck {
                    kind,
                    deadline,
                    timeout,
                },
            );
            id
        });
        if flags.volatile && !writable {
            tracing::debug!(event, "volatile packet discarded");
            return;
        }
        if n.connected && open {
            n.shared.dispatch(Dispatch::Outgoing(Event {
                name: event.clone(),
                args: args.clone(),
                ack: None,
            }));
            let packet = match ack_id {
                Some(id) => Packet::event_with_ack(nsp, event, args, id),
                None => Packet::event(nsp, event, args),
            };
            self.send_or_fail_ack(&packet, ack_id);
        } else {
            n.send_buffer.push(Outgoing {
                event,
                args,
                ack_id,
            });
        }
    }

    /// Sends an event; when it cannot be sent (send buffer full), its ack fails at once with that error.
    pub(super) fn send_or_fail_ack(&mut self, packet: &Packet, ack_id: Option<u64>) {
        let Err(e) = self.send_packet(packet) else {
            return;
        };
        let (Some(id), Some(n)) = (ack_id, self.nsps.get_mut(&packet.nsp)) else {
            return;
        };
        // an emit of the retry queue is sent again after its timeout
        if !matches!(n.acks.get(&id), Some(p) if matches!(p.kind, AckKind::User(_))) {
            return;
        }
        let Some(p) = n.acks.remove(&id) else { return };
        if let Some(key) = p.deadline {
            self.deadlines.remove(key);
        }
        if let AckKind::User(tx) = p.kind {
            let _ = tx.send(Err(AckError::Send(e)));
        }
    }

    pub(super) fn drain_queue(&mut self, nsp: &str, force: bool) {
        let Some(n) = self.nsps.get_mut(nsp) else {
            return;
        };
        if !n.connected {
            return;
        }
        let Some((seq, q)) = n.queue.next_to_send(force) else {
            return;
        };
        let (event, args, flags) = (q.event.clone(), q.args.clone(), q.flags);
        self.emit_now(nsp, event, args, flags, Some(AckKind::Queue(seq)));
    }

    pub(super) fn on_ack(&mut self, nsp: &str, id: u64, args: Vec<Value>) {
        let Some(n) = self.nsps.get_mut(nsp) else {
            return;
        };
        let Some(p) = n.acks.remove(&id) else {
            tracing::debug!(id, "ack for an unknown id");
            return;
        };
        if let Some(key) = p.deadline {
            self.deadlines.remove(key);
        }
        match p.kind {
            AckKind::User(tx) => {
                let _ = tx.send(Ok(args));
            }
            AckKind::Queue(seq) => {
                if let Some(q) = n.queue.on_ack(seq) {
                    if let Some(tx) = q.ack {
                        let _ = tx.send(Ok(args));
                    }
                }
                self.drain_queue(nsp, false);
            }
        }
    }

    pub(super) fn ack_timeout(&mut self, nsp: &str, id: u64) {
        let Some(n) = self.nsps.get_mut(nsp) else {
            return;
        };
        let Some(p) = n.acks.remove(&id) else { return };
        n.send_buffer.remove_ack(id);
        let err = AckError::Timeout {
            timeout: p.timeout.unwrap_or_default(),
        };
        match p.kind {
            AckKind::User(tx) => {
                let _ = tx.send(Err(err));
            }
            AckKind::Queue(seq) => {
                if let TimeoutOutcome::GiveUp(q) = n.queue.on_timeout(seq) {
                    if let Some(tx) = q.ack {
                        let _ = tx.send(Err(err));
                    }
                }
                self.drain_queue(nsp, false);
            }
        }
    }
}
