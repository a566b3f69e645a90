//! Encodes a packet as `4<type>[<attachments>-][<nsp>,][<id>][JSON]` plus one binary frame per attachment.

use super::json_write::{write_array, write_value, BinaryMode};
use crate::engine::Frame;
use crate::parser::Encoded;
use crate::socket::{Packet, PacketData, PacketType};
use crate::Str;
use std::fmt::Write;

/// Encodes `packet` as the official `socket.io-parser` does.
///
/// The JSON is written straight from the value while binary is pulled out as attachments, in one pass; an
/// event or ack with attachments becomes `BINARY_EVENT`/`BINARY_ACK`.
pub(crate) fn encode(packet: &Packet) -> Encoded {
    let mut attachments = Vec::new();
    let mut body = String::new();
    let (kind, id) = match &packet.data {
        PacketData::Connect(auth) => {
            if let Some(auth) = auth {
                write_value(&mut body, auth, BinaryMode::NodeBuffer, &mut attachments);
            }
            (PacketType::Connect, None)
        }
        PacketData::Disconnect => (PacketType::Disconnect, None),
        PacketData::ConnectError(v) => {
            write_value(&mut body, v, BinaryMode::NodeBuffer, &mut attachments);
            (PacketType::ConnectError, None)
        }
        PacketData::Event { event, args, id } => {
            body.push('[');
            super::json_write::write_str(&mut body, event);
            for arg in args {
                body.push(',');
                write_value(&mut body, arg, BinaryMode::Attach, &mut attachments);
            }
            body.push(']');
            let kind = if attachments.is_empty() {
                PacketType::Event
            } else {
                PacketType::BinaryEvent
            };
            (kind, *id)
        }
        PacketData::Ack { args, id } => {
            write_array(&mut body, args, BinaryMode::Attach, &mut attachments);
            let kind = if attachments.is_empty() {
                PacketType::Ack
            } else {
                PacketType::BinaryAck
            };
            (kind, Some(*id))
        }
    };

    let mut text = String::with_capacity(body.len() + packet.nsp.len() + 24);
    text.push('4');
    text.push((b'0' + kind.as_u8()) as char);
    if !attachments.is_empty() {
        let _ = write!(text, "{}-", attachments.len());
    }
    if !packet.nsp.is_empty() && packet.nsp != "/" {
        text.push_str(&packet.nsp);
        text.push(',');
    }
    if let Some(id) = id {
        let _ = write!(text, "{id}");
    }
    text.push_str(&body);

    let mut frames = Vec::with_capacity(1 + attachments.len());
    frames.push(Frame::Text(Str::from(text)));
    frames.extend(attachments.into_iter().map(Frame::Binary));
    Encoded { frames }
}
