//! The default parser: JSON text with binary attachments, as npm `socket.io-parser` 4.x.

mod decode;
mod encode;
mod json_read;
mod json_write;

pub use decode::DefaultDecoder;

use super::{Decoder, EncodeError, Encoded, Limits, Parser};
use crate::socket::Packet;

/// The default Socket.IO parser, byte-compatible with npm `socket.io-parser` 4.x.
///
/// A packet is one text frame `4<type>[<attachments>-][<nsp>,][<id>][JSON]` (the Engine.IO `4` included),
/// followed by one binary frame per attachment; binary anywhere in the arguments is replaced by
/// `{"_placeholder":true,"num":N}` in depth-first order.
///
/// ```
/// use sio_protocol::parser::{DefaultParser, Parser};
/// use sio_protocol::socket::Packet;
/// use sio_protocol::engine::Frame;
///
/// let encoded = DefaultParser::new().encode(&Packet::event("/chat", "hi", vec![1.into()])).unwrap();
/// assert_eq!(encoded.frames, vec![Frame::Text("42/chat,[\"hi\",1]".into())]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefaultParser {
    limits: Limits,
}

impl DefaultParser {
    /// A parser with the default [`Limits`].
    pub fn new() -> Self {
        DefaultParser::default()
    }

    /// A parser whose decoders enforce `limits`.
    pub fn with_limits(limits: Limits) -> Self {
        DefaultParser { limits }
    }

    /// The limits its decoders enforce.
    pub fn limits(&self) -> Limits {
        self.limits
    }
}

impl Parser for DefaultParser {
    fn encode(&self, packet: &Packet) -> Result<Encoded, EncodeError> {
        if packet.nsp.contains(',') || !(packet.nsp.is_empty() || packet.nsp.starts_with('/')) {
            return Err(EncodeError::InvalidNamespace(packet.nsp.clone()));
        }
        Ok(encode::encode(packet))
    }

    fn decoder(&self) -> Box<dyn Decoder> {
        Box::new(DefaultDecoder::new(self.limits))
    }
}
