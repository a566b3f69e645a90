//! Reading query parameters (`EIO`, `transport`, `sid`) from a request URI.

use std::borrow::Cow;

/// The percent-decoded value of the first `name` parameter of a query string.
pub(crate) fn param(query: &str, name: &str) -> Option<String> {
    pairs(query)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The engine's own parameters of a request, read in one pass (the first of each counts).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct EngineParams<'a> {
    pub(crate) transport: Option<Cow<'a, str>>,
    pub(crate) sid: Option<Cow<'a, str>>,
    pub(crate) eio: Option<Cow<'a, str>>,
}

impl<'a> EngineParams<'a> {
    pub(crate) fn of(query: &'a str) -> Self {
        let mut params = EngineParams::default();
        // Queries as clients send them have nothing to decode: one scan tells.
        let plain = !needs_decoding(query);
        let read = |part: &'a str| {
            if plain {
                Cow::Borrowed(part)
            } else {
                decode(part)
            }
        };
        for (key, value) in raw_pairs(query) {
            let slot = match &*read(key) {
                "transport" => &mut params.transport,
                "sid" => &mut params.sid,
                "EIO" => &mut params.eio,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(read(value));
            }
        }
        params
    }
}

/// The decoded `key=value` pairs of a query string.
fn pairs(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    raw_pairs(query).map(|(key, value)| (decode(key), decode(value)))
}

/// The `key=value` pairs of a query string as written, found with plain byte scans (every request
/// goes through here).
fn raw_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    let bytes = query.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start > bytes.len() {
            return None;
        }
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'&')
            .map_or(bytes.len(), |i| start + i);
        let pair = &query[start..end];
        start = end + 1;
        Some(match pair.bytes().position(|b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, ""),
        })
    })
}

/// Percent- and `+`-decodes a query component; borrowed when there is nothing to decode. A `%` not
/// followed by two hex digits stays as it is; bytes that are not UTF-8 become U+FFFD.
pub(crate) fn decode(s: &str) -> Cow<'_, str> {
    if !needs_decoding(s) {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

fn needs_decoding(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'%' | b'+'))
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_decodes() {
        let q = "EIO=4&transport=polling&sid=ab%2Fc&t=N_1";
        assert_eq!(param(q, "EIO").as_deref(), Some("4"));
        assert_eq!(param(q, "sid").as_deref(), Some("ab/c"));
        assert_eq!(param(q, "x"), None);
        assert_eq!(param("a=%zz%4", "a").as_deref(), Some("%zz%4"));
        assert_eq!(param("flag", "flag").as_deref(), Some(""));
        assert_eq!(param("a+b=c+d", "a b").as_deref(), Some("c d"));
    }

    #[test]
    fn reads_the_engine_parameters_at_once() {
        let p = EngineParams::of("EIO=4&transport=polling&t=x&sid=a%2Db&sid=second&transport=x");
        assert_eq!(p.eio.as_deref(), Some("4"));
        assert_eq!(p.transport.as_deref(), Some("polling"));
        assert_eq!(p.sid.as_deref(), Some("a-b"));
        assert!(matches!(p.transport, Some(Cow::Borrowed(_))));
        assert_eq!(EngineParams::of(""), EngineParams::default());
        assert_eq!(EngineParams::of("%45IO=3").eio.as_deref(), Some("3"));
        assert_eq!(EngineParams::of("sid&sid=x").sid.as_deref(), Some(""));
        assert_eq!(EngineParams::of("&&EIO=4&").eio.as_deref(), Some("4"));
        assert_eq!(EngineParams::of("EIO=4=5").eio.as_deref(), Some("4=5"));
    }
}
