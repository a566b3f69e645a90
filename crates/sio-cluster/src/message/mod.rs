//! The messages the nodes of a cluster exchange: the official `ClusterMessage` of `socket.io-adapter` 2.5.

mod codec;
mod convert;

pub use codec::{decode_value, CodecError};

use sio_protocol::Value;
use sio_server::adapter::{BroadcastOptions, MissedPacket, Room, SocketDetails};

/// The `uid` of the emitters (`@socket.io/*-emitter`): never counted as a node, but their messages are acted
/// upon.
pub const EMITTER_UID: &str = "emitter";

/// The type of a message, numbered as on the wire (`MessageType` in the official source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// `1`: a node starts; the others answer with a heartbeat.
    InitialHeartbeat = 1,
    /// `2`: a node is alive.
    Heartbeat = 2,
    /// `3`: a broadcast (with a request id: a broadcast with acknowledgement).
    Broadcast = 3,
    /// `4`: make the selected sockets join rooms.
    SocketsJoin = 4,
    /// `5`: make the selected sockets leave rooms.
    SocketsLeave = 5,
    /// `6`: disconnect the selected sockets.
    DisconnectSockets = 6,
    /// `7`: ask for the selected sockets.
    FetchSockets = 7,
    /// `8`: the answer to `FetchSockets`.
    FetchSocketsResponse = 8,
    /// `9`: a server-side event.
    ServerSideEmit = 9,
    /// `10`: the answer to a server-side event with acknowledgement.
    ServerSideEmitResponse = 10,
    /// `11`: how many local clients a broadcast with acknowledgement reached.
    BroadcastClientCount = 11,
    /// `12`: one client's answer to a broadcast with acknowledgement.
    BroadcastAck = 12,
    /// `13`: a node leaves the cluster.
    AdapterClose = 13,
}

impl MessageType {
    /// The wire number.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// The type of a wire number, if it is one of the thirteen.
    pub const fn from_u8(n: u8) -> Option<Self> {
        use MessageType::*;
        Some(match n {
            1 => InitialHeartbeat,
            2 => Heartbeat,
            3 => Broadcast,
            4 => SocketsJoin,
            5 => SocketsLeave,
            6 => DisconnectSockets,
            7 => FetchSockets,
            8 => FetchSocketsResponse,
            9 => ServerSideEmit,
            10 => ServerSideEmitResponse,
            11 => BroadcastClientCount,
            12 => BroadcastAck,
            13 => AdapterClose,
            _ => return None,
        })
    }

    /// Whether this is an answer to a request (sent with `publish_response`).
    pub const fn is_response(self) -> bool {
        matches!(
            self,
            MessageType::FetchSocketsResponse
                | MessageType::ServerSideEmitResponse
                | MessageType::BroadcastClientCount
                | MessageType::BroadcastAck
        )
    }
}

/// One message between nodes: the sender's `uid` (one per namespace adapter), the namespace and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMessage {
    /// The sender's id (16 hex characters, or [`EMITTER_UID`]).
    pub uid: String,
    /// The namespace (`/`, `/admin`...).
    pub nsp: String,
    /// The type and its data.
    pub body: MessageBody,
}

/// The type of a message and its `data`.
///
/// A broadcast's `opts.flags.local` is never sent, and received `opts` never carry it.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageBody {
    /// INITIAL_HEARTBEAT (no data).
    InitialHeartbeat,
    /// HEARTBEAT (no data).
    Heartbeat,
    /// BROADCAST: `{packet:{type:2, data:[event,...args]}, requestId?, opts}`.
    Broadcast {
        /// Which sockets, and the flags.
        opts: BroadcastOptions,
        /// The event name.
        event: String,
        /// Its arguments (with recovery, the receiver appends the offset).
        args: Vec<Value>,
        /// Present when the sender waits for the clients' acknowledgements.
        request_id: Option<String>,
    },
    /// SOCKETS_JOIN: `{opts, rooms}`.
    SocketsJoin {
        /// Which sockets.
        opts: BroadcastOptions,
        /// The rooms to join.
        rooms: Vec<Room>,
    },
    /// SOCKETS_LEAVE: `{opts, rooms}`.
    SocketsLeave {
        /// Which sockets.
        opts: BroadcastOptions,
        /// The rooms to leave.
        rooms: Vec<Room>,
    },
    /// DISCONNECT_SOCKETS: `{opts, close}`.
    DisconnectSockets {
        /// Which sockets.
        opts: BroadcastOptions,
        /// Whether to close the underlying connections too (absent reads as `false`).
        close: bool,
    },
    /// FETCH_SOCKETS: `{opts, requestId}`.
    FetchSockets {
        /// Which sockets.
        opts: BroadcastOptions,
        /// The request id.
        request_id: String,
    },
    /// FETCH_SOCKETS_RESPONSE: `{requestId, sockets}`.
    FetchSocketsResponse {
        /// The request id.
        request_id: String,
        /// The matching sockets of the answering node.
        sockets: Vec<SocketDetails>,
    },
    /// SERVER_SIDE_EMIT: `{requestId?, packet:[event,...args]}`.
    ServerSideEmit {
        /// The event name.
        event: String,
        /// Its arguments.
        args: Vec<Value>,
        /// Present when the sender waits for one answer per node.
        request_id: Option<String>,
    },
    /// SERVER_SIDE_EMIT_RESPONSE: `{requestId, packet}` (the answer).
    ServerSideEmitResponse {
        /// The request id.
        request_id: String,
        /// The answer (`null` when none was given).
        packet: Value,
    },
    /// BROADCAST_CLIENT_COUNT: `{requestId, clientCount}`.
    BroadcastClientCount {
        /// The request id.
        request_id: String,
        /// How many local clients the packet was sent to.
        client_count: u64,
    },
    /// BROADCAST_ACK: `{requestId, packet}` (one client's answer).
    BroadcastAck {
        /// The request id.
        request_id: String,
        /// The answer (the client's first ack argument).
        packet: Value,
    },
    /// ADAPTER_CLOSE (no data).
    AdapterClose,
}

impl MessageBody {
    /// The type of this body.
    pub fn message_type(&self) -> MessageType {
        match self {
            MessageBody::InitialHeartbeat => MessageType::InitialHeartbeat,
            MessageBody::Heartbeat => MessageType::Heartbeat,
            MessageBody::Broadcast { .. } => MessageType::Broadcast,
            MessageBody::SocketsJoin { .. } => MessageType::SocketsJoin,
            MessageBody::SocketsLeave { .. } => MessageType::SocketsLeave,
            MessageBody::DisconnectSockets { .. } => MessageType::DisconnectSockets,
            MessageBody::FetchSockets { .. } => MessageType::FetchSockets,
            MessageBody::FetchSocketsResponse { .. } => MessageType::FetchSocketsResponse,
            MessageBody::ServerSideEmit { .. } => MessageType::ServerSideEmit,
            MessageBody::ServerSideEmitResponse { .. } => MessageType::ServerSideEmitResponse,
            MessageBody::BroadcastClientCount { .. } => MessageType::BroadcastClientCount,
            MessageBody::BroadcastAck { .. } => MessageType::BroadcastAck,
            MessageBody::AdapterClose => MessageType::AdapterClose,
        }
    }

    /// The request id this body carries, if any (requests and responses).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            MessageBody::Broadcast { request_id, .. }
            | MessageBody::ServerSideEmit { request_id, .. } => request_id.as_deref(),
            MessageBody::FetchSockets { request_id, .. }
            | MessageBody::FetchSocketsResponse { request_id, .. }
            | MessageBody::ServerSideEmitResponse { request_id, .. }
            | MessageBody::BroadcastClientCount { request_id, .. }
            | MessageBody::BroadcastAck { request_id, .. } => Some(request_id),
            _ => None,
        }
    }
}

impl ClusterMessage {
    /// A message from `uid` for the namespace `nsp`.
    pub fn new(uid: impl Into<String>, nsp: impl Into<String>, body: MessageBody) -> Self {
        ClusterMessage {
            uid: uid.into(),
            nsp: nsp.into(),
            body,
        }
    }

    /// The type of this message.
    pub fn message_type(&self) -> MessageType {
        self.body.message_type()
    }

    /// Whether binary data appears anywhere in the message (then it cannot travel as JSON text).
    pub fn has_binary(&self) -> bool {
        match &self.body {
            MessageBody::Broadcast { args, .. } | MessageBody::ServerSideEmit { args, .. } => {
                args.iter().any(Value::has_binary)
            }
            MessageBody::ServerSideEmitResponse { packet, .. }
            | MessageBody::BroadcastAck { packet, .. } => packet.has_binary(),
            MessageBody::FetchSocketsResponse { sockets, .. } => sockets
                .iter()
                .any(|s| s.data.has_binary() || s.handshake.auth().has_binary()),
            _ => false,
        }
    }

    /// For connection state recovery from a stored log (a stream): the event a session in `rooms` missed,
    /// if this message is a broadcast without acknowledgement that reached it, with `offset` appended as the
    /// official adapters do (no target room or one of `rooms`, and none of `rooms` excluded).
    pub fn missed_by(&self, rooms: &[Room], offset: &str) -> Option<MissedPacket> {
        let MessageBody::Broadcast {
            opts,
            event,
            args,
            request_id: None,
        } = &self.body
        else {
            return None;
        };
        let targeted = opts.rooms.is_empty() || rooms.iter().any(|r| opts.rooms.contains(r));
        let excluded = rooms.iter().any(|r| opts.except.contains(r));
        if !targeted || excluded {
            return None;
        }
        let mut args = args.clone();
        args.push(Value::String(offset.to_owned()));
        Some(MissedPacket {
            event: event.clone(),
            args,
        })
    }
}
