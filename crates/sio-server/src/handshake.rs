//! The handshake: what the client's first HTTP request and its CONNECT packet said.

use crate::engine::RequestInfo;
use serde::{Deserialize, Serialize};
use sio_protocol::Value;
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The handshake details of a socket (`socket.handshake` in the official API).
///
/// It is serialisable so that cluster adapters can return it from `fetch_sockets` on other servers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handshake {
    /// The headers of the request that opened the session (names lower-case; repeated headers joined by
    /// `", "`).
    pub headers: BTreeMap<String, String>,
    /// The date of creation, as a string (JavaScript `Date#toString` style, UTC).
    pub time: String,
    /// The client's IP address.
    pub address: String,
    /// Whether the connection is cross-domain (an `Origin` header was sent).
    pub xdomain: bool,
    /// Whether the connection is secure (TLS).
    pub secure: bool,
    /// The date of creation, in milliseconds since the Unix epoch.
    pub issued: u64,
    /// The request URL (path and query).
    pub url: String,
    /// The query parameters of the first request.
    pub query: BTreeMap<String, String>,
    /// The auth payload the client sent in its CONNECT packet (`{}` when none).
    pub auth: Value,
}

impl Handshake {
    /// Builds the handshake from the Engine.IO request and the CONNECT packet's auth payload.
    pub(crate) fn new(request: &RequestInfo, auth: Value) -> Self {
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in &request.headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            headers
                .entry(name.as_str().to_owned())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        let now = SystemTime::now();
        let issued = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let url = request
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| request.uri.path().to_owned());
        Handshake {
            xdomain: headers.contains_key("origin"),
            headers,
            time: js_date_string(issued),
            address: request
                .remote_addr
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            secure: request.secure,
            issued,
            query: parse_query(request.uri.query().unwrap_or("")),
            url,
            auth,
        }
    }

    /// A header value, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// Parses `a=1&b=x%20y` into a map (later keys win, `+` is a space).
pub(crate) fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `Sun Nov 22 2026 01:56:13 GMT+0000 (Coordinated Universal Time)`, as Node prints a `Date` in UTC.
fn js_date_string(epoch_ms: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = epoch_ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {} {:02} {} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        DAYS[(days.rem_euclid(7)) as usize],
        MONTHS[(month - 1) as usize],
        day,
        year,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_like_javascript() {
        assert_eq!(
            js_date_string(0),
            "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(
            js_date_string(1_795_312_573_000),
            "Sun Nov 22 2026 01:56:13 GMT+0000 (Coordinated Universal Time)"
        );
    }

    #[test]
    fn parses_queries() {
        let q = parse_query("EIO=4&transport=polling&name=a%20b+c&bad=%zz&empty");
        assert_eq!(q["EIO"], "4");
        assert_eq!(q["name"], "a b c");
        assert_eq!(q["bad"], "%zz");
        assert_eq!(q["empty"], "");
    }
}
