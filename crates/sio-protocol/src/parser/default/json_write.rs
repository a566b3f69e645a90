//! Writes a [`Value`] as JSON text the way `JSON.stringify` does, pulling binary out as attachments.

use crate::parser::js_number;
use crate::value::js_string::{self, Piece};
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

/// About how much writing a value takes: the bytes of its JSON (exact but for escapes, numbers that are
/// not integers, counted as 24 bytes, and binary written as a Buffer's JSON) and the attachments pulled
/// out of it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Extent {
    pub len: usize,
    pub attachments: usize,
}

impl Extent {
    /// Adds what writing `value` takes.
    pub(super) fn add(&mut self, value: &Value, mode: BinaryMode) {
        self.len += match value {
            Value::Null | Value::Bool(true) => 4,
            Value::Bool(false) => 5,
            Value::Number(n) => number_len(n),
            Value::String(s) => s.len() + 2,
            Value::Binary(b) => match mode {
                BinaryMode::Attach => {
                    // `{"_placeholder":true,"num":N}`, N its index.
                    self.attachments += 1;
                    28 + js_number::decimal_len(self.attachments as u64 - 1)
                }
                BinaryMode::NodeBuffer => 28 + 4 * b.len(),
            },
            Value::Array(a) => {
                a.iter().for_each(|v| self.add(v, mode));
                // The brackets and a comma between two elements.
                (a.len() + 1).max(2)
            }
            Value::Object(o) => {
                for (k, v) in o {
                    self.len += k.len() + 4;
                    self.add(v, mode);
                }
                // The braces, less the comma the last member does not have.
                if o.is_empty() {
                    2
                } else {
                    1
                }
            }
        };
    }
}

/// What writing a number takes: exact for integers, an upper bound for the rest.
fn number_len(n: &serde_json::Number) -> usize {
    if let Some(u) = n.as_u64() {
        js_number::decimal_len(u)
    } else if let Some(i) = n.as_i64() {
        1 + js_number::decimal_len(i.unsigned_abs())
    } else {
        24
    }
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

/// Appends a JSON string literal, escaping as `JSON.stringify` does; a lone surrogate (a stand-in, see
/// [`js_string`](crate::value::js_string)) is written as its `\udxxx` escape.
pub(super) fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    while let Some(i) = next_escape(bytes, start) {
        // Every byte found is ASCII or a UTF-8 lead byte, so `start` and `i` are char boundaries.
        out.push_str(&s[start..i]);
        let b = bytes[i];
        start = i + 1;
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            js_string::LEAD => {
                // `s[i..]` is not empty: there is a piece.
                let (piece, len) = js_string::next_piece(&s[i..])
                    .unwrap_or((Piece::Char(char::REPLACEMENT_CHARACTER), s.len() - i));
                match piece {
                    Piece::Lone(unit) => push_unicode_escape(out, unit),
                    Piece::Char(c) => out.push(c),
                }
                start = i + len;
            }
            _ => push_unicode_escape(out, u16::from(b)),
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends `\uxxxx` in lowercase hex, as `JSON.stringify` writes it.
fn push_unicode_escape(out: &mut String, unit: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((unit >> shift) & 0xf)] as char);
    }
}

/// The index of the first byte from `from` on that `JSON.stringify` escapes (a control character, `"` or
/// `\\`) or that starts a code point from U+100000 on ([`js_string::LEAD`], which a lone surrogate's
/// stand-in starts with). Sixteen, then eight bytes are checked at a time while none of them is one.
pub(super) fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    for pair in bytes[from..].chunks_exact(16) {
        let (a, b) = pair.split_at(8);
        if escapes_in(a) | escapes_in(b) != 0 {
            break;
        }
        i += 16;
    }
    if let Some(word) = bytes.get(i..i + 8) {
        if escapes_in(word) == 0 {
            i += 8;
        }
    }
    bytes[i..]
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\' || b == js_string::LEAD)
        .map(|p| i + p)
}

/// Non-zero when one of the eight bytes of `word` needs escaping or is [`js_string::LEAD`].
fn escapes_in(word: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const QUOTE: u64 = ONES * b'"' as u64;
    const BACKSLASH: u64 = ONES * b'\\' as u64;
    const LEAD: u64 = ONES * js_string::LEAD as u64;
    let x = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
    // Per byte, `(b - k) & !b` has its high bit set when `b < k` (ASCII `b`); over a word the answer is
    // exact for "some byte", which is all that is asked. A byte equal to `c` is a zero in `x ^ c`.
    let (q, s, l) = (x ^ QUOTE, x ^ BACKSLASH, x ^ LEAD);
    ((x.wrapping_sub(ONES * 0x20) & !x)
        | (q.wrapping_sub(ONES) & !q)
        | (s.wrapping_sub(ONES) & !s)
        | (l.wrapping_sub(ONES) & !l))
        & (ONES * 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_is_exact_without_escapes_and_fractions() {
        let values = [
            serde_json::json!(null),
            serde_json::json!(false),
            serde_json::json!(0),
            serde_json::json!(-1234),
            serde_json::json!(u64::MAX),
            serde_json::json!("héllo"),
            serde_json::json!([]),
            serde_json::json!([1, "a", [true, {}]]),
            serde_json::json!({}),
            serde_json::json!({"a": 1, "bc": {"d": [null, "e"]}}),
        ];
        for v in values {
            let value = Value::from(v);
            let mut extent = Extent::default();
            extent.add(&value, BinaryMode::Attach);
            let mut out = String::new();
            write_value(&mut out, &value, BinaryMode::Attach, &mut Vec::new());
            assert_eq!(extent.len, out.len(), "{out}");
        }
        let binary: Vec<Value> = (0..12)
            .map(|i| Value::Binary(Bytes::from(vec![i])))
            .collect();
        let value = Value::Array(binary);
        let mut extent = Extent::default();
        extent.add(&value, BinaryMode::Attach);
        let (mut out, mut attachments) = (String::new(), Vec::new());
        write_value(&mut out, &value, BinaryMode::Attach, &mut attachments);
        assert_eq!((extent.len, extent.attachments), (out.len(), 12), "{out}");
    }

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

    #[test]
    fn escapes_every_special_byte_at_every_position_of_a_word() {
        let specials = [
            '"', '\\', '\n', '\u{0}', '\u{1f}', '\u{8}', 'é', '\u{7f}', ' ', '!',
        ];
        for len in 0..20 {
            for at in 0..len {
                for c in specials {
                    let mut s: String = "abcdefghijklmnopqrstuvwxyz".chars().take(len).collect();
                    s.replace_range(at..at + 1, c.encode_utf8(&mut [0; 4]));
                    s.push(c);
                    let mut out = String::new();
                    write_str(&mut out, &s);
                    // For strings without lone surrogates serde_json escapes exactly as JSON.stringify.
                    assert_eq!(out, serde_json::to_string(&s).unwrap(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn writes_lone_surrogates_as_escapes_and_literal_specials_as_text() {
        let units = [
            0x61, 0xd800, 0xd83d, 0xde00, 0xdfff, 0xdbff, 0xdfff, 0xdbf6, 0xdc00,
        ];
        let s = crate::value::js_string::from_utf16(&units);
        let mut out = String::new();
        write_str(&mut out, &s);
        assert_eq!(out, "\"a\\ud800😀\\udfff\u{10FFFF}\u{10D800}\"");
        let mut out = String::new();
        write_str(&mut out, "\u{100000}\u{10FFFF}x\u{10FFFF}");
        assert_eq!(out, "\"\u{100000}\u{10FFFF}x\u{10FFFF}\"");
    }

    #[test]
    fn extent_is_exact_without_escapes_and_numbers() {
        let value = crate::value!({"a": [null, true, false, "xé"], "bin": (bytes::Bytes::from_static(&[1, 2]))});
        for mode in [BinaryMode::Attach, BinaryMode::NodeBuffer] {
            let (mut out, mut attachments) = (String::new(), Vec::new());
            write_value(&mut out, &value, mode, &mut attachments);
            let mut extent = Extent::default();
            extent.add(&value, mode);
            assert_eq!(extent.attachments, attachments.len());
            assert!(extent.len >= out.len(), "{out}: {extent:?}");
        }
    }
}
