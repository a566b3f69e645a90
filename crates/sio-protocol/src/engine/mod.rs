//! Engine.IO protocol v4: packets, websocket frames, polling payloads, the stream framing of
//! WebTransport and the handshake; the older revision 3 (Socket.IO 2.x clients) in [`v3`].
//!
//! See <https://github.com/socketio/socket.io/tree/main/docs/engine.io-protocol>.

mod error;
mod handshake;
mod packet;
mod payload;
mod stream;
pub mod v3;

pub use error::DecodeError;
pub use handshake::Handshake;
pub use packet::{Frame, Packet, PacketType};
pub use payload::{encode_payload, PayloadDecoder, SEPARATOR};
pub use stream::{encode_stream_frame, StreamDecoder, StreamError};

/// The Engine.IO protocol revision spoken here, sent as the `EIO` query parameter.
pub const PROTOCOL: u8 = 4;
