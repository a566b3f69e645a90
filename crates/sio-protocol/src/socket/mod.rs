//! Socket.IO protocol v5: packets addressed to namespaces, with acks and binary attachments.
//!
//! See <https://github.com/socketio/socket.io/tree/main/docs/socket.io-protocol>.

mod packet;

pub use packet::{Packet, PacketData, PacketType};

/// The Socket.IO protocol revision spoken here.
pub const PROTOCOL: u8 = 5;
