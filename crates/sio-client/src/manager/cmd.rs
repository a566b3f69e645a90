//! Requests from socket and manager handles to the connection task, and what its own timers and
//! connection attempts report to it.

use super::inbound::Inbox;
use crate::ack::AckTx;
use crate::dispatch::SocketShared;
use crate::engine::Engine;
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

/// A command. Kept at 40 bytes (large fields boxed): the channel allocates its slots 32 at a time, and
/// every manager holds such a block for its whole life.
pub(crate) enum Cmd {
    Register {
        shared: Arc<SocketShared>,
        auth: Box<Auth>,
    },
    Open(Option<Done>),
    Connect {
        nsp: String,
        done: Option<Done>,
    },
    Disconnect {
        nsp: String,
    },
    Emit(Box<Emit>),
    AckReply(Box<AckReply>),
    SetAuth {
        nsp: String,
        auth: Box<Auth>,
    },
    /// A connection attempt of generation `.0` ended (sent by the attempt's task).
    Opened(u64, Box<Opened>),
    /// The reconnection delay of generation `.0` is over (sent by its timer).
    ReconnectTimer(u64),
}

/// How a connection attempt ended: the open session and its signals, or why not.
pub(crate) type Opened = Result<(Engine, Inbox), Error>;

/// The answer to an acknowledgement the server asked for.
pub(crate) struct AckReply {
    pub nsp: String,
    pub id: u64,
    pub args: Vec<Value>,
}

/// An emit that goes through the connection task (acks, volatile, retries, or not connected yet).
pub(crate) struct Emit {
    pub nsp: String,
    pub event: String,
    pub args: Vec<Value>,
    pub flags: EmitFlags,
    pub ack: Option<AckTx>,
}
