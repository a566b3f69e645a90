//! RFC 6455 websocket, sans-IO: the opening handshake's accept key, a decoder of the peer's frames
//! (a client's, masked, or a server's) into whole messages, the encoding of frames, and the
//! permessage-deflate extension (RFC 7692): its negotiation, compression and limited inflation.
//!
//! The decoder works on byte slices and copies each complete message out, unmasked, into a buffer of
//! exactly its size; it keeps nothing of the input, so a connection needs no read buffer while idle.
//! Without permessage-deflate negotiated, a frame with a reserved bit set is a protocol error.

mod accept;
mod decoder;
mod deflate;
mod extension;
mod frame;
mod negotiate;

pub use accept::accept_key;
pub use decoder::{Decoded, Decoder, Message};
pub use deflate::{Deflater, Inflater, Role};
pub use extension::{format_extension, parse_extensions, Extension, InvalidExtensions};
pub use frame::{
    apply_mask, encode_close, encode_frame_header, encode_header, frame_size, OpCode, ProtocolError,
};
pub use negotiate::{
    accept_answer, accept_offers, client_offer, DeflateParams, PerMessageDeflate,
    PERMESSAGE_DEFLATE,
};
