//! Parsers turn Socket.IO packets into Engine.IO frames and back.
//!
//! Two parsers are provided: the default one (JSON text plus binary attachments) and one byte-compatible with
//! npm `socket.io-msgpack-parser` (the `msgpack` feature, on by default). Both sides of a connection must use
//! the same one.

mod assemble;
mod default;
mod js_number;
mod kind;
mod limits;
#[cfg(feature = "msgpack")]
mod msgpack;

pub use assemble::RESERVED_EVENTS;
pub use default::{DefaultDecoder, DefaultParser};
pub use kind::{ParserKind, UnknownParser};
pub use limits::Limits;
#[cfg(feature = "msgpack")]
pub(crate) use msgpack::{
    decode_value as decode_msgpack_value, encode_value as encode_msgpack_value,
};
#[cfg(feature = "msgpack")]
pub use msgpack::{MsgPackDecoder, MsgPackParser};

use crate::engine::{Frame, Packet as EnginePacket};
use crate::socket::{Packet, PacketData};
use crate::Value;

/// A packet encoded once, ready to be handed to any number of recipients.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// The frames to send, in order: the packet itself, then its binary attachments (default parser).
    pub frames: Vec<Frame>,
}

/// A wire format for Socket.IO packets.
pub trait Parser: Send + Sync + 'static {
    /// Encodes a packet into the frames that carry it.
    fn encode(&self, packet: &Packet) -> Result<Encoded, EncodeError>;
    /// [`encode`](Parser::encode) of the EVENT packet `nsp`, `event`, `args`, `id`: what an emit sends.
    /// The default builds the [`Packet`]; a parser may encode from the parts without copying them.
    fn encode_event(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Value>,
        id: Option<u64>,
    ) -> Result<Encoded, EncodeError> {
        self.encode(&Packet {
            nsp: nsp.to_owned(),
            data: PacketData::Event {
                event: event.to_owned(),
                args,
                id,
            },
        })
    }
    /// A fresh decoder for one connection (it holds the attachment reassembly state).
    fn decoder(&self) -> Box<dyn Decoder>;
}

/// Decodes the messages of one connection into packets, reassembling binary attachments.
///
/// Messages are fed as the Engine.IO layer delivers them, already decoded: an
/// [`engine::Packet::Message`](EnginePacket::Message) holds the text after the Engine.IO `4`
/// (`2["hi"]` for the wire frame `42["hi"]`), and an [`engine::Packet::Binary`](EnginePacket::Binary) the
/// raw bytes of a binary message. Any other Engine.IO packet is refused with
/// [`DecodeError::UnexpectedFrame`]. Callers holding whole frames (as the encoder produces them) use
/// [`decode_frame`](Decoder::decode_frame). After an error the decoder drops any partly reassembled packet
/// and can go on with the next message, though a server usually closes the connection.
pub trait Decoder: Send + 'static {
    /// Feeds one received Engine.IO message; returns a packet once one is complete (`Ok(None)` while a
    /// binary packet waits for its attachments).
    fn decode(&mut self, message: EnginePacket) -> Result<Option<Packet>, DecodeError>;

    /// Feeds one whole frame (a text frame starts with its Engine.IO `4`): decodes the Engine.IO packet it
    /// carries, then [`decode`](Decoder::decode)s it. A frame that is not an Engine.IO packet is refused
    /// with [`DecodeError::UnexpectedFrame`].
    fn decode_frame(&mut self, frame: Frame) -> Result<Option<Packet>, DecodeError> {
        let message = frame.decode().map_err(|error| {
            tracing::debug!(%error, "frame is not an engine.io packet");
            DecodeError::UnexpectedFrame
        })?;
        self.decode(message)
    }
}

/// Why a packet could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The value cannot be represented by this parser.
    #[error("cannot encode value: {0}")]
    Unsupported(String),
    /// The namespace cannot be written: it does not start with `/`, or it holds a `,` (which ends the
    /// namespace in the default parser's text).
    #[error("invalid namespace {0:?}")]
    InvalidNamespace(String),
}

/// Why received input does not decode into a packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The packet type is not one of the seven.
    #[error("unknown packet type")]
    UnknownType,
    /// The namespace is malformed.
    #[error("invalid namespace")]
    InvalidNamespace,
    /// The ack id is malformed.
    #[error("invalid ack id")]
    InvalidAckId,
    /// The payload is not valid JSON (or msgpack).
    #[error("invalid payload")]
    InvalidPayload,
    /// The payload has the wrong shape for the packet type (e.g. an event that is not an array).
    #[error("invalid payload shape for this packet type")]
    InvalidShape,
    /// More attachments than the configured limit.
    #[error("too many attachments (limit {limit})")]
    TooManyAttachments {
        /// The limit.
        limit: usize,
    },
    /// Nested deeper than the configured limit.
    #[error("payload nested too deep (limit {limit})")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// A packet larger than the configured limit.
    #[error("packet too large (limit {limit} bytes)")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// A binary message arrived when no attachment was expected, text arrived while attachments were
    /// pending, or the Engine.IO packet is not a message; for msgpack, a text message.
    #[error("unexpected frame")]
    UnexpectedFrame,
    /// The attachment count of a `BINARY_EVENT`/`BINARY_ACK` is not a positive integer followed by `-`.
    #[error("invalid attachment count")]
    InvalidAttachmentCount,
    /// A `{"_placeholder":true}` object whose `num` is not the index of a received attachment.
    #[error("invalid attachment placeholder")]
    InvalidPlaceholder,
    /// An event whose name is reserved (`connect`, `disconnect`, ...).
    #[error("reserved event name {0:?}")]
    ReservedEvent(String),
}
