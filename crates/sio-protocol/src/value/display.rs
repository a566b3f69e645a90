//! How a [`Value`] reads in logs and messages: compact JSON, with binary data shown by its size and its
//! first bytes in hex (`<3 bytes 010203>`), since JSON has no way to write it.

use super::{js_string, Value};
use std::fmt::{self, Write};

/// Bytes of binary data shown in hex before the rest is elided.
const SHOWN_BYTES: usize = 16;

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write_string(f, s),
            Value::Binary(bytes) => {
                write!(f, "<{} bytes ", bytes.len())?;
                for b in bytes.iter().take(SHOWN_BYTES) {
                    write!(f, "{b:02x}")?;
                }
                if bytes.len() > SHOWN_BYTES {
                    f.write_str("...")?;
                }
                f.write_char('>')
            }
            Value::Array(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(']')
            }
            Value::Object(map) => {
                f.write_char('{')?;
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write_string(f, key)?;
                    write!(f, ":{item}")?;
                }
                f.write_char('}')
            }
        }
    }
}

/// The derived form (`Object({"a": Array([Number(1)])})`) buries the data; the JSON form does not.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A JSON string literal (lone surrogates, kept as stand-ins, read as U+FFFD).
fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    let text = js_string::to_text_lossy(s);
    match serde_json::to_string(text.as_ref()) {
        Ok(quoted) => f.write_str(&quoted),
        Err(_) => Err(fmt::Error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn reads_as_compact_json_with_binary_in_hex() {
        let v = crate::value!({"a": [1, "x\"y", null, true], "b": 2.5});
        assert_eq!(v.to_string(), r#"{"a":[1,"x\"y",null,true],"b":2.5}"#);
        assert_eq!(format!("{v:?}"), v.to_string());
        let bin = Value::Array(vec![Value::Binary(Bytes::from_static(&[1, 2, 255]))]);
        assert_eq!(bin.to_string(), "[<3 bytes 0102ff>]");
        let long = Value::Binary(Bytes::from(vec![0u8; 20]));
        assert_eq!(
            long.to_string(),
            format!("<20 bytes {}...>", "00".repeat(16))
        );
    }
}
