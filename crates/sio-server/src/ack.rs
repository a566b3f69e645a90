//! Acknowledgements: answering the client's ack, and waiting for the client's answer to ours.

use crate::delivery::Delivery;
use crate::errors::EmitError;
use crate::socket::Socket;
use serde::Serialize;
use sio_protocol::socket::PacketData;
use sio_protocol::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Answers the acknowledgement a client asked for with its event (the `callback` argument of a JavaScript
/// listener). Only the first answer is sent; clones share that rule.
#[derive(Clone)]
pub struct AckSender {
    socket: Socket,
    id: Option<u64>,
    sent: Option<Arc<AtomicBool>>,
}

impl AckSender {
    pub(crate) fn new(socket: Socket, id: Option<u64>) -> Self {
        AckSender {
            socket,
            id,
            sent: id.map(|_| Arc::new(AtomicBool::new(false))),
        }
    }

    /// Whether the client asked for an acknowledgement.
    pub fn is_requested(&self) -> bool {
        self.id.is_some()
    }

    /// Sends the answer: a tuple is several arguments, `()` none, anything else one argument. Binary anywhere
    /// gives a BINARY_ACK. Does nothing when the client did not ask, or when an answer was already sent.
    pub fn send<T: Serialize + ?Sized>(&self, args: &T) -> Result<(), EmitError> {
        let args = sio_protocol::value::to_args(args)?;
        self.send_args(args)
    }

    /// Sends the answer from a list of arguments.
    pub fn send_args(&self, args: Vec<Value>) -> Result<(), EmitError> {
        let (Some(id), Some(sent)) = (self.id, &self.sent) else {
            return Ok(());
        };
        if sent.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.socket
            .send_packet(PacketData::Ack { args, id }, Delivery::PLAIN)
    }
}

impl std::fmt::Debug for AckSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckSender")
            .field("socket", &self.socket.id())
            .field("id", &self.id)
            .finish()
    }
}
