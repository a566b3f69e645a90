//! The default parser: JSON text with binary attachments, as npm `socket.io-parser` 4.x.

mod decode;
mod encode;
mod json_read;
mod json_write;

pub use decode::DefaultDecoder;

use super::{Decoder, EncodeError, Encoded, Limits, Parser};
use crate::socket::Packet;
use crate::Value;

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
        check_namespace(&packet.nsp)?;
        Ok(encode::encode(packet))
    }

    fn encode_event(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Value>,
        id: Option<u64>,
    ) -> Result<Encoded, EncodeError> {
        check_namespace(nsp)?;
        Ok(encode::encode_event(nsp, event, &args, id))
    }

    fn decoder(&self) -> Box<dyn Decoder> {
        Box::new(DefaultDecoder::new(self.limits))
    }
}

/// A namespace the text format can carry: `/` first (or empty, the main one) and no `,`, which ends it.
fn check_namespace(nsp: &str) -> Result<(), EncodeError> {
    if nsp.contains(',') || !(nsp.is_empty() || nsp.starts_with('/')) {
        return Err(EncodeError::InvalidNamespace(nsp.to_owned()));
    }
    Ok(())
}
