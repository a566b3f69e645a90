//! Checks the decoded parts of a packet against its type and builds the [`Packet`]; shared by both parsers.

use super::{js_number, DecodeError};
use crate::socket::{Packet, PacketData, PacketType};
use crate::Value;

/// Event names with a meaning of their own, which a peer may not send.
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// Builds a packet from its decoded parts, checking each as the official parsers do.
pub(crate) fn assemble(
    kind: PacketType,
    nsp: String,
    id: Option<u64>,
    data: Option<Value>,
) -> Result<Packet, DecodeError> {
    if !nsp.starts_with('/') {
        return Err(DecodeError::InvalidNamespace);
    }
    let data = match (kind, data) {
        (PacketType::Connect, None) => PacketData::Connect(None),
        (PacketType::Connect, Some(v @ Value::Object(_))) => PacketData::Connect(Some(v)),
        (PacketType::Disconnect, None) => PacketData::Disconnect,
        (PacketType::ConnectError, Some(v @ (Value::String(_) | Value::Object(_)))) => {
            PacketData::ConnectError(v)
        }
        (PacketType::Event | PacketType::BinaryEvent, Some(Value::Array(mut a))) => {
            let event = match a.first() {
                Some(Value::String(name)) if RESERVED_EVENTS.contains(&name.as_str()) => {
                    return Err(DecodeError::ReservedEvent(name.clone()))
                }
                Some(Value::String(_)) => match a.remove(0) {
                    Value::String(name) => name,
                    _ => return Err(DecodeError::InvalidShape),
                },
                Some(Value::Number(n)) => {
                    let name = js_number::to_string(n);
                    a.remove(0);
                    name
                }
                _ => return Err(DecodeError::InvalidShape),
            };
            PacketData::Event { event, args: a, id }
        }
        (PacketType::Ack | PacketType::BinaryAck, Some(Value::Array(args))) => PacketData::Ack {
            args,
            id: id.ok_or(DecodeError::InvalidAckId)?,
        },
        _ => return Err(DecodeError::InvalidShape),
    };
    Ok(Packet { nsp, data })
}
