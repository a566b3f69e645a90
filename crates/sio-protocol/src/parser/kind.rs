//! Choosing a parser by name, for configuration.

use super::{DefaultParser, Limits, MsgPackParser, Parser};
use std::sync::Arc;

/// The parsers this crate provides, for server and client options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ParserKind {
    /// [`DefaultParser`]: JSON text plus binary attachments (npm `socket.io-parser`).
    #[default]
    Default,
    /// [`MsgPackParser`]: one msgpack binary frame per packet (npm `socket.io-msgpack-parser`).
    MsgPack,
}

impl ParserKind {
    /// The parser, with the default [`Limits`].
    pub fn parser(self) -> Arc<dyn Parser> {
        self.parser_with_limits(Limits::default())
    }

    /// The parser, enforcing `limits` when decoding.
    pub fn parser_with_limits(self, limits: Limits) -> Arc<dyn Parser> {
        match self {
            ParserKind::Default => Arc::new(DefaultParser::with_limits(limits)),
            ParserKind::MsgPack => Arc::new(MsgPackParser::with_limits(limits)),
        }
    }
}
