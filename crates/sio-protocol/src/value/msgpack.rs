//! A [`Value`] as msgpack, written and read exactly as npm `notepack.io` 3 does (binary as `bin`, integers
//! in their smallest form, non-integers as float64). Cluster adapters use it for the messages they exchange
//! with Node servers.
//!
//! ```
//! use sio_protocol::value::msgpack;
//! use sio_protocol::Value;
//!
//! let bytes = msgpack::encode(&Value::from("hi"));
//! assert_eq!(bytes, b"\xa2hi");
//! assert_eq!(msgpack::decode(&bytes.into(), 32).unwrap(), Value::from("hi"));
//! ```

use crate::parser::DecodeError;
use crate::Value;
use bytes::Bytes;

/// Encodes `value`.
pub fn encode(value: &Value) -> Vec<u8> {
    crate::parser::encode_msgpack_value(value)
}

/// Decodes one whole value (trailing bytes are an error), refusing arrays and maps nested deeper than
/// `max_depth` (at most [`Limits::MAX_DEPTH`](crate::parser::Limits::MAX_DEPTH)). JavaScript's `undefined` reads as `null`, and is left out of maps.
pub fn decode(bytes: &Bytes, max_depth: usize) -> Result<Value, DecodeError> {
    crate::parser::decode_msgpack_value(bytes, max_depth)
}
