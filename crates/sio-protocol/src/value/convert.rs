//! `From` conversions between everyday Rust types and [`Value`].
//!
//! Byte containers (`Bytes`, `Vec<u8>`, `&[u8]`) become [`Value::Binary`]: a `Value` built by hand from bytes
//! means binary data, which is what a Socket.IO peer receives as a `Buffer`. (Through serde, a `Vec<u8>` is a
//! sequence of numbers; use `bytes::Bytes` or `serde_bytes` there for binary.)

use super::{Map, Value};
use bytes::Bytes;

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {
        $(
            impl From<$t> for Value {
                fn from(v: $t) -> Self {
                    Value::Number(v.into())
                }
            }
        )*
    };
}

from_integer!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl From<f64> for Value {
    /// A number; `NaN` and the infinities become `null`, as `JSON.stringify` writes them.
    fn from(v: f64) -> Self {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

impl From<f32> for Value {
    /// A number; `NaN` and the infinities become `null`.
    fn from(v: f32) -> Self {
        Value::from(f64::from(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::String(v.clone())
    }
}

impl From<crate::Str> for Value {
    fn from(v: crate::Str) -> Self {
        Value::String(v.as_str().to_string())
    }
}

impl From<Bytes> for Value {
    fn from(v: Bytes) -> Self {
        Value::Binary(v)
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Binary(Bytes::from(v))
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Binary(Bytes::copy_from_slice(v))
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::Array(v)
    }
}

impl From<Map> for Value {
    fn from(v: Map) -> Self {
        Value::Object(v)
    }
}

impl From<serde_json::Number> for Value {
    fn from(v: serde_json::Number) -> Self {
        Value::Number(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// The value, or `null` for `None`.
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<()> for Value {
    fn from(_: ()) -> Self {
        Value::Null
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(o) => {
                Value::Object(o.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl<T: Into<Value>> FromIterator<T> for Value {
    /// An array of the items.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Value::Array(iter.into_iter().map(Into::into).collect())
    }
}
