//! Limits a decoder enforces on what a peer sends.

/// Limits a decoder enforces on every packet a peer sends. Each has a safe default and can be raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Binary attachments one packet may announce. Default 10, as the official `socket.io-parser`
    /// (`maxAttachments`). Applies to the default parser; a msgpack packet carries its binary inline.
    pub max_attachments: usize,
    /// Nesting of arrays and objects in a payload, the outer array of an event counting as 1. Default 128
    /// (serde_json's own limit; real payloads go beyond 32, Node itself crashes near 5 000). Values above
    /// [`Limits::MAX_DEPTH`] act as it.
    ///
    /// The decoders do not recurse, so nesting takes them no stack; the limit is for what is done with a
    /// value afterwards (dropping, cloning, encoding it, serde), which recurses once per level. At the
    /// default that takes well under 0.5 MiB even in a debug build, within tokio's 2 MiB worker stack.
    pub max_depth: usize,
    /// Bytes of one packet: its text frame (Engine.IO `4` included) plus every attachment (default parser),
    /// or its msgpack frame.
    /// Default 11 000 000: eleven frames of the official `maxHttpBufferSize` (1 MB), the packet and ten
    /// attachments, so that nothing the official stack accepts is refused by default.
    pub max_packet_size: usize,
}

impl Limits {
    /// The default limits (10 attachments, depth 128, 11 MB).
    pub const DEFAULT: Limits = Limits {
        max_attachments: 10,
        max_depth: 128,
        max_packet_size: 11_000_000,
    };

    /// The most nesting a decoder allows, whatever `max_depth` says: what a value nested this deep costs
    /// in stack when it is dropped, cloned, encoded or converted stays within tokio's 2 MiB worker stack
    /// in a release build.
    pub const MAX_DEPTH: usize = 1000;
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
