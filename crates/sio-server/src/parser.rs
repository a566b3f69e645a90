//! The parser choice: the default (JSON + binary attachments) or msgpack parser of `sio-protocol`.

use sio_protocol::parser::Parser;
use std::sync::Arc;

pub use sio_protocol::parser::{Limits, ParserKind};

/// The default parser with the default limits (10 attachments, depth 32, 11 MB per packet).
pub fn default_parser() -> Arc<dyn Parser> {
    ParserKind::Default.parser()
}

/// The msgpack parser (npm `socket.io-msgpack-parser`) with the default limits (the `msgpack` feature).
#[cfg(feature = "msgpack")]
pub fn msgpack_parser() -> Arc<dyn Parser> {
    ParserKind::MsgPack.parser()
}
