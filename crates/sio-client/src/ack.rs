//! Acknowledgements: answering the server's acks from a handler, and the pending side of `emit_with_ack`.

use crate::error::{AckError, Error};
use crate::mailbox::Sender;
use crate::manager::{AckReply, Cmd};
use serde::Serialize;
use sio_protocol::value::to_args;
use sio_protocol::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::oneshot;

/// Where the answer of an `emit_with_ack` goes.
pub(crate) type AckTx = oneshot::Sender<Result<Vec<Value>, AckError>>;

/// Answers an event the server emitted with an ack callback. Cheap to clone; only the first answer is sent.
///
/// A tuple sends several arguments, `()` none, any other type one. Binary anywhere in the answer makes it a
/// BINARY_ACK.
#[derive(Clone)]
pub struct AckSender {
    nsp: String,
    id: u64,
    sent: Arc<AtomicBool>,
    cmd: Sender<Cmd>,
}

impl std::fmt::Debug for AckSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckSender")
            .field("nsp", &self.nsp)
            .field("id", &self.id)
            .finish()
    }
}

impl AckSender {
    pub(crate) fn new(nsp: String, id: u64, cmd: Sender<Cmd>) -> Self {
        AckSender {
            nsp,
            id,
            sent: Arc::default(),
            cmd,
        }
    }

    /// The ack id chosen by the server.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether an answer was already sent.
    pub fn is_sent(&self) -> bool {
        self.sent.load(Ordering::Acquire)
    }

    /// Sends the answer. Later calls do nothing and return `Ok`.
    pub fn send<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), Error> {
        let args = to_args(data)?;
        self.send_args(args)
    }

    /// Sends the answer as dynamic values.
    pub fn send_args(&self, args: Vec<Value>) -> Result<(), Error> {
        if self.sent.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.cmd
            .send(Cmd::AckReply(Box::new(AckReply {
                nsp: self.nsp.clone(),
                id: self.id,
                args,
            })))
            .map_err(|_| Error::Closed)
    }
}
