//! The `Sec-WebSocket-Extensions` header (RFC 6455 section 9.1): parsing a list of extensions with
//! their parameters, and writing one back.

use std::fmt::Write as _;

/// One extension of the header: its name and parameters, in the order they were written. A
/// parameter without a value (`server_no_context_takeover`) has `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The extension's name (`permessage-deflate`).
    pub name: String,
    /// Its parameters, each with its value (unquoted) if it has one.
    pub params: Vec<(String, Option<String>)>,
}

/// A header value that is not a valid extension list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid Sec-WebSocket-Extensions header")]
pub struct InvalidExtensions;

impl Extension {
    /// The value of the parameter `name`, if present: `Some(None)` for a parameter without a value.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref())
    }
}

/// Parses header values (several header lines count as one list) into extensions, in order.
pub fn parse_extensions<'a>(
    values: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<Extension>, InvalidExtensions> {
    let mut out = Vec::new();
    for value in values {
        let value = std::str::from_utf8(value).map_err(|_| InvalidExtensions)?;
        for item in split_outside_quotes(value, ',')? {
            let item = item.trim_matches(is_ows);
            // An empty list element is allowed by RFC 7230's `#` rule.
            if item.is_empty() {
                continue;
            }
            out.push(parse_extension(item)?);
        }
    }
    if out.is_empty() {
        return Err(InvalidExtensions);
    }
    Ok(out)
}

/// Writes one extension as a header value: `name; param; param=value`.
pub fn format_extension(ext: &Extension) -> String {
    let mut out = ext.name.clone();
    for (name, value) in &ext.params {
        out.push_str("; ");
        out.push_str(name);
        if let Some(v) = value {
            let _ = write!(out, "={v}");
        }
    }
    out
}

fn parse_extension(item: &str) -> Result<Extension, InvalidExtensions> {
    let mut parts = split_outside_quotes(item, ';')?.into_iter();
    let name = parts.next().unwrap_or_default().trim_matches(is_ows);
    if !is_token(name) {
        return Err(InvalidExtensions);
    }
    let mut params = Vec::new();
    for part in parts {
        let part = part.trim_matches(is_ows);
        let (key, value) = match part.split_once('=') {
            Some((k, v)) => (k.trim_matches(is_ows), Some(v.trim_matches(is_ows))),
            None => (part, None),
        };
        if !is_token(key) {
            return Err(InvalidExtensions);
        }
        let value = match value {
            None => None,
            Some(v) if v.starts_with('"') => Some(unquote(v)?),
            Some(v) if is_token(v) => Some(v.to_string()),
            Some(_) => return Err(InvalidExtensions),
        };
        params.push((key.to_string(), value));
    }
    Ok(Extension {
        name: name.to_string(),
        params,
    })
}

/// Splits `s` at `sep` where it is not inside a quoted string; an unterminated quote is an error.
fn split_outside_quotes(s: &str, sep: char) -> Result<Vec<&str>, InvalidExtensions> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&s[start..i]);
            start = i + 1;
        }
    }
    if quoted {
        return Err(InvalidExtensions);
    }
    parts.push(&s[start..]);
    Ok(parts)
}

/// The content of a quoted string, which (RFC 6455 section 9.1) must itself be a token.
fn unquote(v: &str) -> Result<String, InvalidExtensions> {
    let inner = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or(InvalidExtensions)?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' {
            chars.next().ok_or(InvalidExtensions)?
        } else {
            c
        });
    }
    if !is_token(&out) {
        return Err(InvalidExtensions);
    }
    Ok(out)
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// An RFC 7230 token: one or more visible ASCII characters other than separators.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<Extension>, InvalidExtensions> {
        parse_extensions([s.as_bytes()])
    }

    #[test]
    fn lists_and_parameters() {
        let exts = parse(
            "permessage-deflate; client_max_window_bits, permessage-deflate;server_max_window_bits=\"10\" , x-foo",
        )
        .unwrap();
        assert_eq!(exts.len(), 3);
        assert_eq!(exts[0].param("client_max_window_bits"), Some(None));
        assert_eq!(exts[1].param("server_max_window_bits"), Some(Some("10")));
        assert_eq!(exts[2].name, "x-foo");
        assert!(exts[2].params.is_empty());
    }

    #[test]
    fn several_header_lines_are_one_list() {
        let exts = parse_extensions([&b"a"[..], &b"b; c=1"[..]]).unwrap();
        assert_eq!(exts.len(), 2);
        assert_eq!(exts[1].param("c"), Some(Some("1")));
    }

    #[test]
    fn invalid_headers() {
        for bad in [
            "",
            "permessage-deflate; x=\"unterminated",
            "permessage-deflate; =1",
            "perm essage",
            "permessage-deflate; a=b c",
            "permessage-deflate; a=\"b c\"",
            ";a",
        ] {
            assert_eq!(parse(bad), Err(InvalidExtensions), "{bad:?}");
        }
    }

    #[test]
    fn formats_back() {
        let ext = Extension {
            name: "permessage-deflate".into(),
            params: vec![
                ("server_no_context_takeover".into(), None),
                ("client_max_window_bits".into(), Some("10".into())),
            ],
        };
        assert_eq!(
            format_extension(&ext),
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=10"
        );
    }
}
