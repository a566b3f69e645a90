//! RFC 6455 websocket, server side and sans-IO: the opening handshake's accept key, a decoder of the
//! frames a client sends (masked, possibly fragmented) into whole messages, and the encoding of the
//! server's own (unmasked) frames.
//!
//! The decoder works on byte slices and copies each complete message out, unmasked, into a buffer of
//! exactly its size; it keeps nothing of the input, so a connection needs no read buffer while idle.
//! Compression extensions (permessage-deflate) are not implemented: a frame with a reserved bit set is
//! a protocol error.

mod accept;
mod decoder;
mod frame;

pub use accept::accept_key;
pub use decoder::{Decoded, Decoder, Message};
pub use frame::{encode_close, encode_header, frame_size, OpCode, ProtocolError};
