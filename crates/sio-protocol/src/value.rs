//! The payload value model: JSON-like data that can hold binary anywhere.

use bytes::Bytes;
use indexmap::IndexMap;

/// An object: keys keep the order in which they were inserted, as in JavaScript.
pub type Map = IndexMap<String, Value>;

/// One argument of an event or an ack: any JSON value, plus binary at any depth.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// Binary data (a Node `Buffer`, an `ArrayBuffer` or typed array in the browser).
    Binary(Bytes),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Map),
}

impl Value {
    /// Whether binary data appears anywhere in this value.
    pub fn has_binary(&self) -> bool {
        match self {
            Value::Binary(_) => true,
            Value::Array(a) => a.iter().any(Value::has_binary),
            Value::Object(o) => o.values().any(Value::has_binary),
            _ => false,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}
