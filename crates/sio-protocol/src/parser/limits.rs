//! Limits a decoder enforces on what a peer sends.

/// Limits a decoder enforces on every packet a peer sends. Each has a safe default and can be raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Binary attachments one packet may announce. Default 10, as the official `socket.io-parser`
    /// (`maxAttachments`). Applies to the default parser; a msgpack packet carries its binary inline.
    pub max_attachments: usize,
    /// Nesting of arrays and objects in a payload, the outer array of an event counting as 1. Default 32.
    /// JSON is parsed with a recursion guard of its own at 128 levels, so values above 127 act as 127 for
    /// the default parser.
    pub max_depth: usize,
    /// Bytes of one packet: its text frame (Engine.IO `4` included) plus every attachment (default parser),
    /// or its msgpack frame.
    /// Default 11 000 000: eleven frames of the official `maxHttpBufferSize` (1 MB), the packet and ten
    /// attachments, so that nothing the official stack accepts is refused by default.
    pub max_packet_size: usize,
}

impl Limits {
    /// The default limits (10 attachments, depth 32, 11 MB).
    pub const DEFAULT: Limits = Limits {
        max_attachments: 10,
        max_depth: 32,
        max_packet_size: 11_000_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
