//! Reading query parameters (`EIO`, `transport`, `sid`) from a request URI.

/// The percent-decoded value of the first `name` parameter of a query string.
pub(crate) fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key) == name).then(|| decode(value))
    })
}

fn decode(s: &str) -> String {
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
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::param;

    #[test]
    fn finds_and_decodes() {
        let q = "EIO=4&transport=polling&sid=ab%2Fc&t=N_1";
        assert_eq!(param(q, "EIO").as_deref(), Some("4"));
        assert_eq!(param(q, "sid").as_deref(), Some("ab/c"));
        assert_eq!(param(q, "x"), None);
        assert_eq!(param("a=%zz%4", "a").as_deref(), Some("%zz%4"));
        assert_eq!(param("flag", "flag").as_deref(), Some(""));
    }
}
