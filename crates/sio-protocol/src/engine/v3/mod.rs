//! Engine.IO protocol revision 3, spoken by socket.io-client 2.x (and engine.io-client 3.x): its packet
//! forms and its polling payloads.
//!
//! What differs from revision 4:
//! - a binary packet carries its type: a type byte before the data in a binary frame, `b<type><base64>`
//!   as text (`b4AQID`), where revision 4 has the raw data and `b<base64>`;
//! - a text polling payload prefixes each packet with its length in UTF-16 code units and a colon
//!   (`6:4hello2:40`), instead of joining packets with `\x1e`;
//! - a client that takes binary (XHR2, no `b64` query parameter) gets a binary payload whenever binary
//!   is sent: per packet, `0` (text) or `1` (binary), the length as decimal digits one per byte, `255`,
//!   then the packet.
//!
//! See <https://github.com/socketio/socket.io/blob/main/docs/engine.io-protocol/v3.md>.

mod decoder;
mod packet;
mod payload;

pub use decoder::PayloadDecoder;
pub use packet::{decode_binary, decode_text};
pub use payload::{encode_payload, EncodedPayload};

/// The protocol revision, as the `EIO` query parameter carries it.
pub const PROTOCOL: u8 = 3;
