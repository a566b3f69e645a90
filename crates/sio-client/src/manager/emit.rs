//! A socket's emits on the manager's task: ack ids and deadlines, the send buffer, volatile drops, the
//! retry queue, and the acks that come back (or time out).

use super::cmd::EmitFlags;
use super::deadlines::DeadlineKey;
use super::link::Link;
use super::nsp::Nsp;
use crate::ack::AckTx;
use crate::buffer::Outgoing;
use crate::dispatch::Dispatch;
use crate::error::AckError;
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

impl Nsp {
    /// An emit handed to the manager (acks, volatile, retries, or not connected yet).
    pub fn emit(
        &mut self,
        link: &mut Link,
        event: String,
        args: Vec<Value>,
        flags: EmitFlags,
        ack: Option<AckTx>,
    ) {
        if self.retries > 0 && !flags.volatile {
            self.queue.push(Queued {
                event,
                args,
                flags,
                ack,
            });
            self.drain_queue(link, false);
            return;
        }
        self.emit_now(link, event, args, flags, ack.map(AckKind::User));
    }

    fn emit_now(
        &mut self,
        link: &mut Link,
        event: String,
        args: Vec<Value>,
        flags: EmitFlags,
        kind: Option<AckKind>,
    ) {
        let ack_id = kind.map(|kind| {
            let id = self.next_ack;
            self.next_ack += 1;
            let timeout = flags.timeout.or(link.ack_timeout);
            let deadline =
                timeout.map(|d| link.deadlines.add(Instant::now() + d, &self.shared.nsp, id));
            self.acks.insert(
                id,
                PendingAck {
                    kind,
                    deadline,
                    timeout,
                },
            );
            id
        });
        if flags.volatile && !link.writable() {
            tracing::debug!(event, "volatile packet discarded");
            return;
        }
        if self.connected && link.open {
            self.shared.dispatch(Dispatch::Outgoing(Event {
                name: event.clone(),
                args: args.clone(),
                ack: None,
            }));
            let nsp = &self.shared.nsp;
            let packet = match ack_id {
                Some(id) => Packet::event_with_ack(nsp, event, args, id),
                None => Packet::event(nsp, event, args),
            };
            self.send_or_fail_ack(link, &packet, ack_id);
        } else {
            self.send_buffer.push(Outgoing {
                event,
                args,
                ack_id,
            });
        }
    }

    /// Sends an event; when it cannot be sent (send buffer full), its ack fails at once with that error.
    pub(super) fn send_or_fail_ack(
        &mut self,
        link: &mut Link,
        packet: &Packet,
        ack_id: Option<u64>,
    ) {
        let Err(e) = link.send(packet) else {
            return;
        };
        let Some(id) = ack_id else {
            return;
        };
        // an emit of the retry queue is sent again after its timeout
        if !matches!(self.acks.get(&id), Some(p) if matches!(p.kind, AckKind::User(_))) {
            return;
        }
        let Some(p) = self.acks.remove(&id) else {
            return;
        };
        if let Some(key) = p.deadline {
            link.deadlines.remove(key);
        }
        if let AckKind::User(tx) = p.kind {
            let _ = tx.send(Err(AckError::Send(e)));
        }
    }

    /// Sends the retry queue's next emit, if it may go now (`force`: even if one is in flight).
    pub(super) fn drain_queue(&mut self, link: &mut Link, force: bool) {
        if !self.connected {
            return;
        }
        let Some((seq, q)) = self.queue.next_to_send(force) else {
            return;
        };
        let (event, args, flags) = (q.event.clone(), q.args.clone(), q.flags);
        self.emit_now(link, event, args, flags, Some(AckKind::Queue(seq)));
    }

    /// The server answered ack `id`.
    pub(super) fn on_ack(&mut self, link: &mut Link, id: u64, args: Vec<Value>) {
        let Some(p) = self.acks.remove(&id) else {
            tracing::debug!(id, "ack for an unknown id");
            return;
        };
        if let Some(key) = p.deadline {
            link.deadlines.remove(key);
        }
        match p.kind {
            AckKind::User(tx) => {
                let _ = tx.send(Ok(args));
            }
            AckKind::Queue(seq) => {
                if let Some(q) = self.queue.on_ack(seq) {
                    if let Some(tx) = q.ack {
                        let _ = tx.send(Ok(args));
                    }
                }
                self.drain_queue(link, false);
            }
        }
    }

    /// Ack `id` was not answered in time.
    pub fn ack_timeout(&mut self, link: &mut Link, id: u64) {
        let Some(p) = self.acks.remove(&id) else {
            return;
        };
        self.send_buffer.remove_ack(id);
        let err = AckError::Timeout {
            timeout: p.timeout.unwrap_or_default(),
        };
        match p.kind {
            AckKind::User(tx) => {
                let _ = tx.send(Err(err));
            }
            AckKind::Queue(seq) => {
                if let TimeoutOutcome::GiveUp(q) = self.queue.on_timeout(seq) {
                    if let Some(tx) = q.ack {
                        let _ = tx.send(Err(err));
                    }
                }
                self.drain_queue(link, false);
            }
        }
    }
}
