//! Typed errors for Engine.IO input that does not decode.

/// Why a piece of Engine.IO input was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A text packet with no type character.
    #[error("empty packet")]
    Empty,
    /// The first character is not a known packet type (`0`..`6`).
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    /// Text that is not UTF-8.
    #[error("packet is not valid UTF-8")]
    InvalidUtf8,
    /// A `b`-prefixed polling packet whose body is not base64.
    #[error("invalid base64 in binary packet")]
    InvalidBase64,
    /// A revision 3 payload whose length prefix is malformed or does not match the packet that follows.
    #[error("invalid length in a payload")]
    InvalidLength,
    /// The body grew past the configured maximum while it was read.
    #[error("payload exceeds the maximum of {limit} bytes")]
    TooLarge {
        /// The maximum that was exceeded.
        limit: usize,
    },
}
