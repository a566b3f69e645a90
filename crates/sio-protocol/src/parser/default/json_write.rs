//! Writes a [`Value`] as JSON text the way `JSON.stringify` does, pulling binary out as attachments.

use crate::parser::js_number;
use crate::Value;
use bytes::Bytes;
use std::fmt::Write;

/// What to do with binary found in the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinaryMode {
    /// Replace it with `{"_placeholder":true,"num":N}` and collect it (events and acks).
    Attach,
    /// Write it as Node's `Buffer.prototype.toJSON` does (`{"type":"Buffer","data":[...]}`): what
    /// `JSON.stringify` sends for binary in a CONNECT or CONNECT_ERROR payload.
    NodeBuffer,
}

/// Appends `value` as JSON to `out`, pushing binary to `attachments` in depth-first order.
pub(super) fn write_value(
    out: &mut String,
    value: &Value,
    mode: BinaryMode,
    attachments: &mut Vec<Bytes>,
) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => js_number::write(out, n),
        Value::String(s) => write_str(out, s),
        Value::Binary(b) => match mode {
            BinaryMode::Attach => {
                let _ = write!(
                    out,
                    "{{\"_placeholder\":true,\"num\":{}}}",
                    attachments.len()
                );
                attachments.push(b.clone());
            }
            BinaryMode::NodeBuffer => {
                out.push_str("{\"type\":\"Buffer\",\"data\":[");
                for (i, byte) in b.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{byte}");
                }
                out.push_str("]}");
            }
        },
        Value::Array(a) => write_array(out, a, mode, attachments),
        Value::Object(o) => {
            out.push('{');
            for (i, (k, v)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, v, mode, attachments);
            }
            out.push('}');
        }
    }
}

/// Appends the elements as a JSON array.
pub(super) fn write_array(
    out: &mut String,
    items: &[Value],
    mode: BinaryMode,
    attachments: &mut Vec<Bytes>,
) {
    out.push('[');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_value(out, v, mode, attachments);
    }
    out.push(']');
}

/// Appends a JSON string literal, escaping as `JSON.stringify` does.
pub(super) fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_json_stringify() {
        let mut out = String::new();
        write_str(
            &mut out,
            "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}/é\u{2028}\u{7f}",
        );
        assert_eq!(
            out,
            "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/é\u{2028}\u{7f}\""
        );
    }
}
