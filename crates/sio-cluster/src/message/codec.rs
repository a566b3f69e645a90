//! A [`ClusterMessage`] as bytes: JSON text (as `JSON.stringify` writes the official object) or msgpack (as
//! notepack writes it), and the reader that tells them apart by the first byte, as the Node adapters do.

use super::ClusterMessage;
use bytes::Bytes;
use sio_protocol::value::msgpack;
use sio_protocol::Value;

/// How deeply a received message may nest (arrays and objects), the message's own levels included.
const MAX_DEPTH: usize = 100;

/// Why a message could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CodecError {
    /// The bytes are not valid JSON.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// The bytes are not valid msgpack.
    #[error("invalid msgpack: {0}")]
    Msgpack(String),
    /// The message has binary data, which JSON text cannot carry.
    #[error("a message with binary data cannot be encoded as JSON")]
    BinaryInJson,
    /// The type number is not one of the thirteen.
    #[error("unknown message type {0}")]
    UnknownType(u64),
    /// The structure is not that of a cluster message.
    #[error("invalid message: {0}")]
    Invalid(String),
}

impl ClusterMessage {
    /// JSON text of the official object. Fails on binary data (use [`encode_msgpack`](Self::encode_msgpack)
    /// or [`encode_json_unless_binary`](Self::encode_json_unless_binary)).
    pub fn encode_json(&self) -> Result<Vec<u8>, CodecError> {
        if self.has_binary() {
            return Err(CodecError::BinaryInJson);
        }
        serde_json::to_vec(&self.to_value()?).map_err(|e| CodecError::Json(e.to_string()))
    }

    /// msgpack of the official object, binary as `bin`.
    pub fn encode_msgpack(&self) -> Result<Vec<u8>, CodecError> {
        Ok(msgpack::encode(&self.to_value()?))
    }

    /// JSON text, or msgpack when the message holds binary data: the choice of the Redis sharded adapter
    /// and of the PostgreSQL adapter.
    pub fn encode_json_unless_binary(&self) -> Result<Vec<u8>, CodecError> {
        if self.has_binary() {
            self.encode_msgpack()
        } else {
            self.encode_json()
        }
    }

    /// Reads a message: JSON text when the first byte is `{`, msgpack otherwise.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        Self::from_value(&decode_value(bytes)?)
    }
}

/// Reads a value as a cluster transport receives it: JSON text when the first byte is `{`, msgpack
/// otherwise (also useful for a message's `data` sent on its own).
pub fn decode_value(bytes: &[u8]) -> Result<Value, CodecError> {
    if bytes.first() == Some(&b'{') {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value: Value = serde::Deserialize::deserialize(&mut de)
            .map_err(|e| CodecError::Json(e.to_string()))?;
        de.end().map_err(|e| CodecError::Json(e.to_string()))?;
        Ok(value)
    } else {
        msgpack::decode(&Bytes::copy_from_slice(bytes), MAX_DEPTH)
            .map_err(|e| CodecError::Msgpack(e.to_string()))
    }
}
