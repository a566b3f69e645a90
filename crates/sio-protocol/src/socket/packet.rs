//! Socket.IO packets: the seven types, the namespace, the ack id and the data.

use crate::Value;

/// The Socket.IO packet types, numbered as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// `0`: join a namespace (client) / accept the join (server).
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event.
    Event,
    /// `3`: an acknowledgement.
    Ack,
    /// `4`: the server refused the join.
    ConnectError,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an acknowledgement with binary attachments.
    BinaryAck,
}

/// A Socket.IO packet for one namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// The namespace, `/` for the main one.
    pub nsp: String,
    /// What the packet carries.
    pub data: PacketData,
}

/// What a packet carries. Whether an event or ack travels as its `BINARY_` form is decided by the parser
/// from the presence of binary in its arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum PacketData {
    /// CONNECT: the client's auth payload (`None` when absent), or the server's `{"sid": ...}` answer.
    Connect(Option<Value>),
    /// DISCONNECT.
    Disconnect,
    /// EVENT / BINARY_EVENT: the event name, its arguments and the ack id the sender waits on.
    Event {
        /// The event name (the first element of the wire array).
        event: String,
        /// The arguments after the name.
        args: Vec<Value>,
        /// The ack id, when the sender asked for an acknowledgement.
        id: Option<u64>,
    },
    /// ACK / BINARY_ACK: the answer's arguments and the id of the event it answers.
    Ack {
        /// The arguments of the answer.
        args: Vec<Value>,
        /// The id of the acknowledged event.
        id: u64,
    },
    /// CONNECT_ERROR: `{"message": ..., "data": ...}`.
    ConnectError(Value),
}
