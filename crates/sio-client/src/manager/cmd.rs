//! Requests from socket and manager handles to the connection task.

use crate::ack::AckTx;
use crate::dispatch::SocketShared;
use crate::error::Error;
use crate::options::Auth;
use sio_protocol::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// Modifiers of one emit (`timeout(d)`, `volatile()`, `compress(b)`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EmitFlags {
    pub volatile: bool,
    pub timeout: Option<Duration>,
    pub compress: Option<bool>,
}

/// A completion callback of `open` / `connect`.
pub(crate) type Done = oneshot::Sender<Result<(), Error>>;

pub(crate) enum Cmd {
    Register {
        shared: Arc<SocketShared>,
        auth: Auth,
    },
    Open(Option<Done>),
    Connect {
        nsp: String,
        done: Option<Done>,
    },
    Disconnect {
        nsp: String,
    },
    /// Boxed: the channel allocates its slots in blocks, which stay small with small commands.
    Emit(Box<Emit>),
    AckReply {
        nsp: String,
        id: u64,
        args: Vec<Value>,
    },
    SetAuth {
        nsp: String,
        auth: Auth,
    },
}

/// An emit that goes through the connection task (acks, volatile, retries, or not connected yet).
pub(crate) struct Emit {
    pub nsp: String,
    pub event: String,
    pub args: Vec<Value>,
    pub flags: EmitFlags,
    pub ack: Option<AckTx>,
}
