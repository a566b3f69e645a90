//! Encodes a packet as `4<type>[<attachments>-][<nsp>,][<id>][JSON]` plus one binary frame per attachment.

use super::json_write::{write_array, write_str, write_value, BinaryMode, Extent};
use crate::engine::Frame;
use crate::parser::js_number::{decimal_len, write_u64};
use crate::parser::Encoded;
use crate::socket::{Packet, PacketData, PacketType};
use crate::{Str, Value};

/// Encodes `packet` as the official `socket.io-parser` does.
///
/// The text is written once, into a buffer sized from a first walk over the data that also counts the
/// binary to pull out as attachments; an event or ack with attachments becomes `BINARY_EVENT`/`BINARY_ACK`.
pub(crate) fn encode(packet: &Packet) -> Encoded {
    let (kind, id, body) = match &packet.data {
        PacketData::Connect(auth) => (PacketType::Connect, None, Body::Json(auth.as_ref())),
        PacketData::Disconnect => (PacketType::Disconnect, None, Body::Json(None)),
        PacketData::ConnectError(v) => (PacketType::ConnectError, None, Body::Json(Some(v))),
        PacketData::Event { event, args, id } => (PacketType::Event, *id, Body::Event(event, args)),
        PacketData::Ack { args, id } => (PacketType::Ack, Some(*id), Body::Args(args)),
    };
    encode_body(&packet.nsp, kind, id, body)
}

/// [`encode`] of an EVENT packet given by its parts.
pub(crate) fn encode_event(nsp: &str, event: &str, args: &[Value], id: Option<u64>) -> Encoded {
    encode_body(nsp, PacketType::Event, id, Body::Event(event, args))
}

fn encode_body(nsp: &str, kind: PacketType, id: Option<u64>, body: Body<'_>) -> Encoded {
    let extent = body.extent();
    let kind = match kind {
        PacketType::Event if extent.attachments > 0 => PacketType::BinaryEvent,
        PacketType::Ack if extent.attachments > 0 => PacketType::BinaryAck,
        kind => kind,
    };

    // `4`, the type, `<attachments>-`, `<nsp>,`, the id, then the JSON.
    let named = !nsp.is_empty() && nsp != "/";
    let mut len = 2 + id.map_or(0, decimal_len) + extent.len;
    if extent.attachments > 0 {
        len += decimal_len(extent.attachments as u64) + 1;
    }
    if named {
        len += nsp.len() + 1;
    }
    let mut text = String::with_capacity(len);
    text.push('4');
    text.push((b'0' + kind.as_u8()) as char);
    if extent.attachments > 0 {
        write_u64(&mut text, extent.attachments as u64);
        text.push('-');
    }
    if named {
        text.push_str(nsp);
        text.push(',');
    }
    if let Some(id) = id {
        write_u64(&mut text, id);
    }
    let mut attachments = Vec::with_capacity(extent.attachments);
    body.write(&mut text, &mut attachments);
    // Bytes made from a buffer with spare room allocate a header to share it; one without does not
    // (the size is exact but for escapes, fractions and binary written as a Buffer's JSON).
    text.shrink_to_fit();

    let mut frames = Vec::with_capacity(1 + attachments.len());
    frames.push(Frame::Text(Str::from(text)));
    frames.extend(attachments.into_iter().map(Frame::Binary));
    Encoded { frames }
}

/// The JSON part of a packet.
enum Body<'a> {
    /// A CONNECT, CONNECT_ERROR or DISCONNECT payload, binary written as Node's `Buffer.toJSON`.
    Json(Option<&'a Value>),
    /// An event: its name, then its arguments, in one array.
    Event(&'a str, &'a [Value]),
    /// The arguments of an ack.
    Args(&'a [Value]),
}

impl Body<'_> {
    fn extent(&self) -> Extent {
        let mut extent = Extent::default();
        match self {
            Body::Json(v) => v.iter().for_each(|v| extent.add(v, BinaryMode::NodeBuffer)),
            Body::Event(event, args) => {
                extent.len = event.len() + 4 + args.len();
                args.iter().for_each(|v| extent.add(v, BinaryMode::Attach));
            }
            Body::Args(args) => {
                extent.len = (args.len() + 1).max(2);
                args.iter().for_each(|v| extent.add(v, BinaryMode::Attach));
            }
        }
        extent
    }

    fn write(&self, out: &mut String, attachments: &mut Vec<bytes::Bytes>) {
        match self {
            Body::Json(v) => {
                if let Some(v) = v {
                    write_value(out, v, BinaryMode::NodeBuffer, attachments);
                }
            }
            Body::Event(event, args) => {
                out.push('[');
                write_str(out, event);
                for arg in *args {
                    out.push(',');
                    write_value(out, arg, BinaryMode::Attach, attachments);
                }
                out.push(']');
            }
            Body::Args(args) => write_array(out, args, BinaryMode::Attach, attachments),
        }
    }
}
