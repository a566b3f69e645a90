//! The payload value model: JSON-like data that can hold binary anywhere.
//!
//! A [`Value`] is what travels as an event or ack argument. It converts from and to any serde type with
//! [`to_value`] and [`from_value`]; bytes serialised with `serialize_bytes` (for example `bytes::Bytes` or
//! `serde_bytes::ByteBuf`) become [`Value::Binary`] while serialising, so the parsers never scan for binary.
//! Event arguments convert to and from tuples with [`to_args`] and [`from_args`].
//!
//! ```
//! use bytes::Bytes;
//! use sio_protocol::value::{from_args, to_args};
//! use sio_protocol::Value;
//!
//! // A tuple is several arguments; `Bytes` becomes binary while serialising.
//! let args = to_args(&("file.bin", Bytes::from_static(b"\x01\x02"))).unwrap();
//! assert_eq!(args[1], Value::Binary(Bytes::from_static(b"\x01\x02")));
//! let (name, data): (String, Bytes) = from_args(args).unwrap();
//! assert_eq!((name.as_str(), &data[..]), ("file.bin", &b"\x01\x02"[..]));
//! ```

mod args;
mod convert;
mod de;
mod de_ref;
mod display;
mod error;
pub mod js_string;
mod macros;
#[cfg(feature = "msgpack")]
pub mod msgpack;
mod ser;

use bytes::Bytes;
use indexmap::IndexMap;

pub use args::{from_args, to_args};
pub use de::from_value;
pub use de_ref::from_value_ref;
pub use error::Error;
pub use ser::{to_value, ValueSerializer};

/// An object: keys keep the order in which they were inserted, as in JavaScript.
pub type Map = IndexMap<String, Value>;

/// One argument of an event or an ack: any JSON value, plus binary at any depth.
#[derive(Clone, PartialEq, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string. A JavaScript string may hold lone surrogates, which a Rust `String` cannot: they are kept
    /// as private-use stand-ins (see [`js_string`]), written back as they came and read as U+FFFD into
    /// Rust text ([`from_value`], [`js_string::to_text_lossy`]).
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

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as `u64`, if it is a non-negative integer that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The number as `i64`, if it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number as `f64`, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The bytes, if this is binary.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            Value::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The entries, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The member `key` of an object (`None` for other values or a missing key).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|o| o.get(key))
    }

    /// Converts any serde type into a value (see [`to_value`]).
    pub fn from_serde<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
        to_value(value)
    }

    /// Converts this value into any serde type (see [`from_value`]).
    pub fn into_serde<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        from_value(self)
    }

    /// The JSON name of this value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Binary(_) => "binary",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}
