//! Choosing a parser by name, for configuration.

#[cfg(feature = "msgpack")]
use super::MsgPackParser;
use super::{DefaultParser, Limits, Parser};
use std::sync::Arc;

/// The parsers this crate provides, for server and client options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ParserKind {
    /// [`DefaultParser`]: JSON text plus binary attachments (npm `socket.io-parser`).
    #[default]
    Default,
    /// [`MsgPackParser`]: one msgpack binary frame per packet (npm `socket.io-msgpack-parser`; the
    /// `msgpack` feature).
    #[cfg(feature = "msgpack")]
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
            #[cfg(feature = "msgpack")]
            ParserKind::MsgPack => Arc::new(MsgPackParser::with_limits(limits)),
        }
    }
}

impl std::str::FromStr for ParserKind {
    type Err = UnknownParser;

    /// `"default"` (or `"json"`) and `"msgpack"` (with the `msgpack` feature).
    fn from_str(s: &str) -> Result<Self, UnknownParser> {
        match s {
            "default" | "json" => Ok(ParserKind::Default),
            #[cfg(feature = "msgpack")]
            "msgpack" => Ok(ParserKind::MsgPack),
            other => Err(UnknownParser(other.to_string())),
        }
    }
}

/// A parser name that is neither `default` nor `msgpack` (nor `msgpack` built without its feature).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown parser {0:?} (expected \"default\" or \"msgpack\"; msgpack needs the `msgpack` feature)")]
pub struct UnknownParser(pub String);

#[cfg(all(test, feature = "msgpack"))]
mod tests {
    use super::*;
    use crate::socket::Packet;

    #[test]
    fn names_and_parsers() {
        assert_eq!("msgpack".parse(), Ok(ParserKind::MsgPack));
        assert_eq!("default".parse(), Ok(ParserKind::Default));
        assert!("xml".parse::<ParserKind>().is_err());
        let p = Packet::event("/", "e", vec![]);
        let text = ParserKind::Default.parser().encode(&p).unwrap();
        assert!(matches!(text.frames[0], crate::engine::Frame::Text(_)));
        let bin = ParserKind::MsgPack.parser().encode(&p).unwrap();
        assert!(matches!(bin.frames[0], crate::engine::Frame::Binary(_)));
    }
}
