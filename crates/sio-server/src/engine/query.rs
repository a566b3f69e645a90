//! Reading query parameters (`EIO`, `transport`, `sid`) from a request URI.

use std::borrow::Cow;

/// The percent-decoded value of the first `name` parameter of a query string.
pub(crate) fn param(query: &str, name: &str) -> Option<String> {
    Scan(query)
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
        for (key, value) in Scan(query) {
            let slot = match &*key {
                "transport" => &mut params.transport,
                "sid" => &mut params.sid,
                "EIO" => &mut params.eio,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        params
    }
}

/// The decoded `key=value` pairs of a query string, each byte looked at once (every request goes
/// through here): a part without `%` or `+` is borrowed as written.
struct Scan<'a>(&'a str);

impl<'a> Iterator for Scan<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let query = self.0;
        if query.is_empty() {
            return None;
        }
        let (mut eq, mut escaped) = (None, [false, false]);
        let mut end = query.len();
        for (i, b) in query.bytes().enumerate() {
            match b {
                b'&' => {
                    end = i;
                    break;
                }
                b'=' if eq.is_none() => eq = Some(i),
                b'%' | b'+' => escaped[eq.is_some() as usize] = true,
                _ => {}
            }
        }
        // After the last pair: an empty rest, so that a trailing `&` ends the scan.
        self.0 = query.get(end + 1..).unwrap_or("");
        let (key, value) = match eq {
            Some(i) => (&query[..i], &query[i + 1..end]),
            None => (&query[..end], ""),
        };
        let read = |part: &'a str, escaped: bool| {
            if escaped {
                decode(part)
            } else {
                Cow::Borrowed(part)
            }
        };
        Some((read(key, escaped[0]), read(value, escaped[1])))
    }
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
        assert_eq!(
            EngineParams::of("=v&EIO=4+%41&").eio.as_deref(),
            Some("4 A")
        );
    }
}
