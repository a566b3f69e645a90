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

impl PacketType {
    /// The wire number of this type.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// The type of a wire number, if it is one of the seven.
    pub const fn from_u8(n: u8) -> Option<Self> {
        Some(match n {
            0 => Self::Connect,
            1 => Self::Disconnect,
            2 => Self::Event,
            3 => Self::Ack,
            4 => Self::ConnectError,
            5 => Self::BinaryEvent,
            6 => Self::BinaryAck,
            _ => return None,
        })
    }
}

impl Packet {
    /// A packet for `nsp` carrying `data`.
    pub fn new(nsp: impl Into<String>, data: PacketData) -> Self {
        Packet {
            nsp: nsp.into(),
            data,
        }
    }

    /// CONNECT: a client joining `nsp` with an optional auth payload (an object).
    pub fn connect(nsp: impl Into<String>, auth: Option<Value>) -> Self {
        Packet::new(nsp, PacketData::Connect(auth))
    }

    /// CONNECT: the server accepting a join, answering `{"sid": sid}`.
    pub fn connect_ok(nsp: impl Into<String>, sid: impl Into<String>) -> Self {
        let mut map = crate::value::Map::with_capacity(1);
        map.insert("sid".to_string(), Value::String(sid.into()));
        Packet::connect(nsp, Some(Value::Object(map)))
    }

    /// DISCONNECT from `nsp`.
    pub fn disconnect(nsp: impl Into<String>) -> Self {
        Packet::new(nsp, PacketData::Disconnect)
    }

    /// EVENT `event` with `args`, not waiting for an acknowledgement.
    pub fn event(nsp: impl Into<String>, event: impl Into<String>, args: Vec<Value>) -> Self {
        Packet::new(
            nsp,
            PacketData::Event {
                event: event.into(),
                args,
                id: None,
            },
        )
    }

    /// EVENT `event` with `args`, asking for the acknowledgement `id`.
    pub fn event_with_ack(
        nsp: impl Into<String>,
        event: impl Into<String>,
        args: Vec<Value>,
        id: u64,
    ) -> Self {
        Packet::new(
            nsp,
            PacketData::Event {
                event: event.into(),
                args,
                id: Some(id),
            },
        )
    }

    /// ACK of the event `id`, answering `args`.
    pub fn ack(nsp: impl Into<String>, id: u64, args: Vec<Value>) -> Self {
        Packet::new(nsp, PacketData::Ack { args, id })
    }

    /// CONNECT_ERROR: `{"message": message}`, plus `"data": data` when given, as the official server sends.
    pub fn connect_error(
        nsp: impl Into<String>,
        message: impl Into<String>,
        data: Option<Value>,
    ) -> Self {
        let mut map = crate::value::Map::with_capacity(2);
        map.insert("message".to_string(), Value::String(message.into()));
        if let Some(data) = data {
            map.insert("data".to_string(), data);
        }
        Packet::new(nsp, PacketData::ConnectError(Value::Object(map)))
    }

    /// The type this packet has on the wire with the default parser (`BINARY_*` when the arguments hold
    /// binary).
    pub fn packet_type(&self) -> PacketType {
        match &self.data {
            PacketData::Connect(_) => PacketType::Connect,
            PacketData::Disconnect => PacketType::Disconnect,
            PacketData::Event { args, .. } if args.iter().any(Value::has_binary) => {
                PacketType::BinaryEvent
            }
            PacketData::Event { .. } => PacketType::Event,
            PacketData::Ack { args, .. } if args.iter().any(Value::has_binary) => {
                PacketType::BinaryAck
            }
            PacketData::Ack { .. } => PacketType::Ack,
            PacketData::ConnectError(_) => PacketType::ConnectError,
        }
    }
}
