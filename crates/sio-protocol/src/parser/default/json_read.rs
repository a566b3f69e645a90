//! Reads JSON text into a [`Value`], refusing nesting deeper than a limit while it reads.
//!
//! Structure, literals and strings are read here, straight into the value; numbers are handed to
//! `serde_json`, so what is accepted and how numbers read is what `serde_json` does. Strings are read as
//! `serde_json` reads them, but for lone surrogate escapes (`"\ud800"`), which `JSON.parse` accepts and
//! `serde_json` refuses: they are kept (see [`js_string`]).

use super::json_write::next_escape;
use crate::parser::DecodeError;
use crate::value::js_string;
use crate::value::Map;
use crate::Value;

/// Parses `text` as one JSON value nested at most `max_depth` levels (an array or object is one level).
#[cfg(test)]
pub(super) fn parse(text: &str, max_depth: usize) -> Result<Value, DecodeError> {
    parse_with(text, max_depth, &mut Scratch::default())
}

/// [`parse`], keeping the arrays and objects being read in `scratch`, whose memory is reused from one
/// call to the next: the reader does not recurse, so any nesting takes no stack.
pub(super) fn parse_with(
    text: &str,
    max_depth: usize,
    scratch: &mut Scratch,
) -> Result<Value, DecodeError> {
    let mut reader = Reader {
        text,
        pos: 0,
        limit: max_depth,
    };
    scratch.0.clear();
    let value = reader.value(&mut scratch.0);
    // Do not keep the memory of one exceptionally deep packet.
    scratch.0.clear();
    scratch.0.shrink_to(16);
    let value = value?;
    reader.skip_whitespace();
    if reader.pos != text.len() {
        return Err(DecodeError::InvalidPayload);
    }
    Ok(value)
}

/// The arrays and objects open while a value is read, innermost last.
#[derive(Debug, Default)]
pub(super) struct Scratch(Vec<Open>);

/// An array or object being read.
#[derive(Debug)]
enum Open {
    Array(Vec<Value>),
    /// The entries read so far, and the key whose value is being read.
    Object(Map, String),
}

/// A position in the text being read.
struct Reader<'a> {
    text: &'a str,
    pos: usize,
    /// The nesting allowed.
    limit: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Skips whitespace, then takes the next byte.
    fn next_token(&mut self) -> Option<u8> {
        self.skip_whitespace();
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    /// One whole value, nested at most `self.limit` levels; `open` holds the arrays and objects being
    /// read (empty on entry).
    fn value(&mut self, open: &mut Vec<Open>) -> Result<Value, DecodeError> {
        'value: loop {
            self.skip_whitespace();
            let mut done = match self.peek() {
                Some(b'"') => Value::String(self.string()?),
                Some(b'[') => {
                    self.enter(open.len())?;
                    self.skip_whitespace();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        Value::Array(Vec::new())
                    } else {
                        open.push(Open::Array(Vec::new()));
                        continue 'value;
                    }
                }
                Some(b'{') => {
                    self.enter(open.len())?;
                    self.skip_whitespace();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Value::Object(Map::new())
                    } else {
                        let key = self.key()?;
                        open.push(Open::Object(Map::new(), key));
                        continue 'value;
                    }
                }
                Some(b't') => self.literal("true", Value::Bool(true))?,
                Some(b'f') => self.literal("false", Value::Bool(false))?,
                Some(b'n') => self.literal("null", Value::Null)?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                _ => return Err(DecodeError::InvalidPayload),
            };
            // Hand the value to the innermost open array or object, closing those that end here.
            loop {
                match open.last_mut() {
                    None => return Ok(done),
                    Some(Open::Array(items)) => {
                        items.push(done);
                        match self.next_token() {
                            Some(b',') => continue 'value,
                            Some(b']') => {}
                            _ => return Err(DecodeError::InvalidPayload),
                        }
                    }
                    Some(Open::Object(map, key)) => {
                        // A repeated key keeps its first place and takes the last value, as `JSON.parse`
                        // does.
                        map.insert(std::mem::take(key), done);
                        match self.next_token() {
                            Some(b',') => {
                                *key = self.key()?;
                                continue 'value;
                            }
                            Some(b'}') => {}
                            _ => return Err(DecodeError::InvalidPayload),
                        }
                    }
                }
                done = match open.pop() {
                    Some(Open::Array(items)) => Value::Array(items),
                    Some(Open::Object(map, _)) => Value::Object(map),
                    None => return Err(DecodeError::InvalidPayload),
                };
            }
        }
    }

    /// Steps into an array or object (the reader at its bracket) with `depth` of them already open.
    fn enter(&mut self, depth: usize) -> Result<(), DecodeError> {
        if depth >= self.limit {
            return Err(DecodeError::TooDeep { limit: self.limit });
        }
        self.pos += 1;
        Ok(())
    }

    /// An object key and its colon.
    fn key(&mut self) -> Result<String, DecodeError> {
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            return Err(DecodeError::InvalidPayload);
        }
        let key = self.string()?;
        if self.next_token() != Some(b':') {
            return Err(DecodeError::InvalidPayload);
        }
        Ok(key)
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, DecodeError> {
        if !self.text.as_bytes()[self.pos..].starts_with(word.as_bytes()) {
            return Err(DecodeError::InvalidPayload);
        }
        self.pos += word.len();
        Ok(value)
    }

    /// A string literal, the reader at its opening quote.
    fn string(&mut self) -> Result<String, DecodeError> {
        let bytes = self.text.as_bytes();
        let start = self.pos + 1;
        match next_escape(bytes, start) {
            // Quotes are ASCII, so both ends are char boundaries.
            Some(end) if bytes[end] == b'"' => {
                self.pos = end + 1;
                Ok(self.text[start..end].to_owned())
            }
            // An escape, or a code point from U+100000 on (see `js_string`).
            Some(_) => self.string_slow(start),
            // No closing quote.
            None => Err(DecodeError::InvalidPayload),
        }
    }

    /// A string literal with escapes, read from `start` (after the opening quote) as `JSON.parse` reads
    /// it: a lone surrogate escape is kept, as its stand-in (see [`js_string`]).
    #[cold]
    fn string_slow(&mut self, start: usize) -> Result<String, DecodeError> {
        let (text, bytes) = (self.text, self.text.as_bytes());
        let mut out = String::with_capacity(16);
        let mut i = start;
        loop {
            let at = next_escape(bytes, i).ok_or(DecodeError::InvalidPayload)?;
            // Everything found is ASCII or a UTF-8 lead byte: `i` and `at` are char boundaries.
            out.push_str(&text[i..at]);
            match bytes[at] {
                b'"' => {
                    self.pos = at + 1;
                    return Ok(out);
                }
                b'\\' => i = escape(bytes, at + 1, &mut out)?,
                js_string::LEAD => {
                    let c = text[at..]
                        .chars()
                        .next()
                        .ok_or(DecodeError::InvalidPayload)?;
                    js_string::push_received(&mut out, c);
                    i = at + c.len_utf8();
                }
                // A raw control character.
                _ => return Err(DecodeError::InvalidPayload),
            }
        }
    }

    fn number(&mut self) -> Result<Value, DecodeError> {
        // Take every byte that can be part of a number; after a valid one comes `,`, `]`, `}`,
        // whitespace or the end, so this takes exactly the number, and serde_json refuses anything else.
        let start = self.pos;
        let len = self.text.as_bytes()[start..]
            .iter()
            .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .unwrap_or(self.text.len() - start);
        self.pos += len;
        serde_json::from_str(&self.text[start..self.pos])
            .map(Value::Number)
            .map_err(|_| DecodeError::InvalidPayload)
    }
}

/// Reads the escape whose `\\` is just before `at`, appending what it stands for; returns the index after it.
fn escape(bytes: &[u8], at: usize, out: &mut String) -> Result<usize, DecodeError> {
    let c = match bytes.get(at) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let unit = hex4(bytes, at + 1)?;
            // A high surrogate followed by a low one is one character; any other surrogate is lone.
            if (0xD800..0xDC00).contains(&unit) && bytes.get(at + 5..at + 7) == Some(b"\\u") {
                if let Ok(low @ 0xDC00..=0xDFFF) = hex4(bytes, at + 7) {
                    let c =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(c).ok_or(DecodeError::InvalidPayload)?);
                    return Ok(at + 11);
                }
            }
            match char::from_u32(u32::from(unit)) {
                Some(c) => out.push(c),
                None => out.extend(js_string::lone_surrogate(unit)),
            }
            return Ok(at + 5);
        }
        _ => return Err(DecodeError::InvalidPayload),
    };
    out.push(c);
    Ok(at + 1)
}

/// The four hex digits at `at`.
fn hex4(bytes: &[u8], at: usize) -> Result<u16, DecodeError> {
    let digits = bytes.get(at..at + 4).ok_or(DecodeError::InvalidPayload)?;
    digits.iter().try_fold(0u16, |n, &b| {
        let d = (b as char)
            .to_digit(16)
            .ok_or(DecodeError::InvalidPayload)?;
        Ok(n << 4 | d as u16)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_depth_and_syntax() {
        assert_eq!(parse("[[1]]", 2).unwrap().as_array().unwrap().len(), 1);
        assert_eq!(parse("[[1]]", 1), Err(DecodeError::TooDeep { limit: 1 }));
        assert_eq!(
            parse("{\"a\":{}}", 1),
            Err(DecodeError::TooDeep { limit: 1 })
        );
        assert_eq!(parse("1", 0).unwrap(), Value::from(1));
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(parse(&deep, 199), Err(DecodeError::TooDeep { limit: 199 }));
        assert_eq!(parse(&deep, 200).unwrap(), parse(&deep, 500).unwrap());
        assert_eq!(parse("[1,]", 5), Err(DecodeError::InvalidPayload));
        assert_eq!(parse("[1] x", 5), Err(DecodeError::InvalidPayload));
        assert_eq!(parse(" [1] ", 5).unwrap(), Value::Array(vec![1.into()]));
    }

    #[test]
    fn keeps_key_order_and_last_duplicate() {
        let v = parse(r#"{"b":1,"a":2,"b":3}"#, 2).unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(o.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(o["b"], Value::from(3));
    }

    /// What serde_json alone reads (its own depth limit is 127 levels), but for the one lone surrogate
    /// escape of the cases, `\ud83d` before a closing quote, which `JSON.parse` reads and serde_json
    /// refuses: it is given to serde_json as the character that stands for it (see `js_string`).
    fn serde_json_reads(text: &str) -> Option<Value> {
        let text = text.replace("\\ud83d\"", "\u{10D83D}\"");
        serde_json::from_str::<Value>(&text).ok()
    }

    #[test]
    fn keeps_lone_surrogates_as_json_parse_does() {
        let s = |text: &str| parse(text, 2).map(|v| v.as_str().map(js_string::to_utf16));
        assert_eq!(s(r#""\ud800""#), Ok(Some(vec![0xd800])));
        assert_eq!(s(r#""\uDFFF\ud800""#), Ok(Some(vec![0xdfff, 0xd800])));
        assert_eq!(s(r#""a\ud83d\u0041""#), Ok(Some(vec![0x61, 0xd83d, 0x41])));
        assert_eq!(
            s(r#""\ud83d\ud83d\ude00""#),
            Ok(Some(vec![0xd83d, 0xd83d, 0xde00]))
        );
        assert_eq!(s(r#""\ud83d\n""#), Ok(Some(vec![0xd83d, 0x0a])));
        assert_eq!(
            s(r#""\ud83d\ude00""#),
            Ok(Some("😀".encode_utf16().collect()))
        );
        // A stand-in or U+10FFFF sent as text is kept as text, escaped in the internal form.
        let v = parse("[\"\u{10D800}\\ud800\u{10FFFF}\u{100000}\"]", 2).unwrap();
        let units: Vec<u16> = "\u{10D800}"
            .encode_utf16()
            .chain([0xd800])
            .chain("\u{10FFFF}\u{100000}".encode_utf16())
            .collect();
        assert_eq!(
            js_string::to_utf16(v.as_array().unwrap()[0].as_str().unwrap()),
            units
        );
        for bad in [
            r#""\ud8""#,
            r#""\u12g4""#,
            r#""\u+123""#,
            r#""\ud800\u""#,
            r#""\ud800\x""#,
            "\"\\ud800\u{1}\"",
        ] {
            assert_eq!(parse(bad, 2), Err(DecodeError::InvalidPayload), "{bad}");
        }
        // Object keys too.
        let v = parse(r#"{"\udc00":1}"#, 2).unwrap();
        assert_eq!(
            js_string::to_utf16(v.as_object().unwrap().keys().next().unwrap()),
            [0xdc00]
        );
    }

    #[test]
    fn reads_like_serde_json() {
        let cases = [
            r#"["echo","xxxxxxxx"]"#,
            r#" [ "a" , 1 , -0 , 0.5 , 1e21 , -1e-7 , 18446744073709551615 , 18446744073709551616 ] "#,
            r#"[-9223372036854775808, -9223372036854775809, 1E2, 1e+2, 1.5e-2, 1e400, 01, 1., .5, -, +1]"#,
            r#"{"b":1,"a":2,"b":3}"#,
            r#"{"k\"e\\y\n":"v\u00e9\ud83d\ude00\/"}"#,
            r#"["\ud83d"]"#,
            r#"["\x"]"#,
            "[\"\u{1}\"]",
            "[\"a\tb\"]",
            r#"["é日本😀"]"#,
            "[true,false,null]",
            "[tru]",
            "[nul]",
            "[1,]",
            "[,1]",
            "{\"a\"}",
            "{\"a\":}",
            "{,}",
            "{1:2}",
            "[1 2]",
            "[\"unterminated",
            "[\"ends in backslash\\",
            "\"\\",
            "",
            " ",
            "[]x",
            "[] ",
            "[[[]]]",
        ];
        for text in cases {
            assert_eq!(parse(text, 127).ok(), serde_json_reads(text), "{text}");
        }
        for depth in [126, 127, 128, 129] {
            let text = "[".repeat(depth) + &"]".repeat(depth);
            assert_eq!(parse(&text, 127).ok(), serde_json_reads(&text), "{depth}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn reads_token_soup_like_serde_json(tokens in proptest::collection::vec(proptest::sample::select(vec![
            "[", "]", "{", "}", ",", ":", " ", "\n", "\"a\"", "\"k\"", "\"\\n\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"",
            "\"\\ud83d\"", "\"é\"", "\"\u{1}\"", "\"", "\\", "1", "-0", "0.5", "-1e-7", "1e400", "01", "-", "+",
            ".", "e", "true", "fals", "null", "18446744073709551616", "x",
        ]), 0..16)) {
            let text = tokens.concat();
            proptest::prop_assert_eq!(parse(&text, 127).ok(), serde_json_reads(&text), "{}", text);
        }

        #[test]
        fn reads_any_text_like_serde_json(text in any_json_like()) {
            proptest::prop_assume!(!text.contains("\\u"));
            proptest::prop_assert_eq!(parse(&text, 127).ok(), serde_json_reads(&text), "{}", text);
        }
    }

    fn any_json_like() -> impl proptest::strategy::Strategy<Value = String> {
        "[\\[\\]{}\",:0-9a-z\\\\ .eE+\\-é\u{1}]{0,24}"
    }
}
