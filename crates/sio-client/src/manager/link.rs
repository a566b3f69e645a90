//! `Link`: what the manager's connection lends one socket's protocol for one call.

use super::cmd::Cmd;
use super::deadlines::Deadlines;
use crate::engine::Engine;
use crate::error::Error;
use crate::mailbox::WeakSender;
use sio_protocol::parser::Parser;
use sio_protocol::socket::Packet;
use std::time::Duration;

/// The manager's side of a socket: its engine while open, the parser, the ack deadlines and the options a
/// socket's protocol reads. Built by the manager for each call into a socket (no lookup, no lock).
pub(super) struct Link<'a> {
    /// The engine session, while open.
    pub engine: Option<&'a Engine>,
    /// The manager is open (a CONNECT can be sent).
    pub open: bool,
    pub parser: &'a dyn Parser,
    /// When the acks waiting with a timeout expire.
    pub deadlines: &'a mut Deadlines,
    /// For the ack callbacks of received events.
    pub cmd_tx: &'a WeakSender<Cmd>,
    /// The default ack timeout (`ackTimeout`).
    pub ack_timeout: Option<Duration>,
    /// Events a socket keeps before its CONNECT reply ([`crate::Bounds::incoming`]).
    pub receive_capacity: usize,
}

impl Link<'_> {
    /// Encodes and sends one packet; fails when there is no open engine or its send buffer is full.
    pub fn send(&self, packet: &Packet) -> Result<(), Error> {
        let Some(engine) = self.engine else {
            return Err(Error::Closed);
        };
        let encoded = self.parser.encode(packet).map_err(|e| {
            tracing::warn!(error = %e, "cannot encode packet");
            Error::Encode(e)
        })?;
        tracing::trace!(frames = ?encoded.frames, "sending packet");
        engine.send(encoded.frames).inspect_err(|e| {
            if *e == Error::SendBufferFull {
                tracing::warn!(nsp = packet.nsp, "send buffer full: packet dropped");
            }
        })
    }

    /// Whether a volatile packet would be written now.
    pub fn writable(&self) -> bool {
        self.engine.is_some_and(|e| e.writable())
    }
}
