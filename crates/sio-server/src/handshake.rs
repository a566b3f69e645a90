//! The handshake: what the client's first HTTP request and its CONNECT packet said.

use crate::engine::query::decode;
use crate::engine::RequestInfo;
use serde::{Deserialize, Serialize};
use sio_protocol::Value;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The handshake details of a socket (`socket.handshake` in the official API).
///
/// It reads the request that opened the session, which it shares with the engine rather than copying it
/// (an idle connection keeps its headers once). It serialises as the official object (`headers`, `time`,
/// `address`, `xdomain`, `secure`, `issued`, `url`, `query`, `auth`), so that cluster adapters can return
/// it from `fetch_sockets` on other servers.
#[derive(Clone, Serialize, Deserialize)]
#[serde(into = "Wire", from = "Wire")]
pub struct Handshake {
    request: Arc<RequestInfo>,
    issued: u64,
    auth: Value,
}

/// The official shape of the handshake object.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Wire {
    headers: BTreeMap<String, String>,
    time: String,
    address: String,
    xdomain: bool,
    secure: bool,
    issued: u64,
    url: String,
    query: BTreeMap<String, String>,
    auth: Value,
}

impl Handshake {
    /// The handshake of a socket created now, from the Engine.IO request and the CONNECT packet's auth
    /// payload.
    pub(crate) fn new(request: Arc<RequestInfo>, auth: Value) -> Self {
        let issued = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Handshake {
            request,
            issued,
            auth,
        }
    }

    /// The headers of the request that opened the session.
    pub fn headers(&self) -> &http::HeaderMap {
        self.request.headers()
    }

    /// A header value by name (case-insensitive): the first one when the header is repeated, `None` when
    /// absent or not UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        std::str::from_utf8(self.request.header(name)?).ok()
    }

    /// The date of creation, as a string (JavaScript `Date#toString` style, UTC).
    pub fn time(&self) -> String {
        js_date_string(self.issued)
    }

    /// The client's IP address (empty when the server does not know it, see
    /// [`RemoteAddr`](crate::engine::RemoteAddr)).
    pub fn address(&self) -> String {
        self.request
            .remote_addr
            .map(|a| a.ip().to_string())
            .unwrap_or_default()
    }

    /// Whether the connection is cross-domain (an `Origin` header was sent).
    pub fn xdomain(&self) -> bool {
        self.request.header("origin").is_some()
    }

    /// Whether the connection is secure (TLS).
    pub fn secure(&self) -> bool {
        self.request.secure
    }

    /// The date of creation, in milliseconds since the Unix epoch.
    pub fn issued(&self) -> u64 {
        self.issued
    }

    /// The request URL (path and query).
    pub fn url(&self) -> &str {
        let uri = &self.request.uri;
        uri.path_and_query()
            .map(|p| p.as_str())
            .unwrap_or_else(|| uri.path())
    }

    /// The query parameters of the first request (later keys win).
    pub fn query(&self) -> BTreeMap<String, String> {
        parse_query(self.request.uri.query().unwrap_or(""))
    }

    /// The auth payload the client sent in its CONNECT packet (`{}` when none).
    pub fn auth(&self) -> &Value {
        &self.auth
    }

    fn wire(&self) -> Wire {
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in self.request.header_pairs() {
            let value = String::from_utf8_lossy(value);
            headers
                .entry(name.to_owned())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert_with(|| value.into_owned());
        }
        Wire {
            headers,
            time: self.time(),
            address: self.address(),
            xdomain: self.xdomain(),
            secure: self.secure(),
            issued: self.issued,
            url: self.url().to_owned(),
            query: self.query(),
            auth: self.auth.clone(),
        }
    }
}

impl From<Handshake> for Wire {
    fn from(handshake: Handshake) -> Wire {
        handshake.wire()
    }
}

/// A handshake received from another server: its request is rebuilt from the official object.
impl From<Wire> for Handshake {
    fn from(wire: Wire) -> Handshake {
        let mut headers = http::HeaderMap::new();
        for (name, value) in &wire.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_bytes(value.as_bytes()),
            ) {
                headers.append(name, value);
            }
        }
        let mut request = RequestInfo::new(
            http::Method::GET,
            wire.url.parse().unwrap_or_default(),
            &headers,
            wire.address
                .parse::<IpAddr>()
                .ok()
                .map(|ip| SocketAddr::new(ip, 0)),
            wire.secure,
        );
        request.issued = UNIX_EPOCH + Duration::from_millis(wire.issued);
        Handshake {
            request: Arc::new(request),
            issued: wire.issued,
            auth: wire.auth,
        }
    }
}

impl PartialEq for Handshake {
    fn eq(&self, other: &Self) -> bool {
        self.wire() == other.wire()
    }
}

impl std::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.wire().fmt(f)
    }
}

/// Parses `a=1&b=x%20y` into a map (later keys win, `+` is a space).
pub(crate) fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k).into_owned(), decode(v).into_owned())
        })
        .collect()
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
        let q = parse_query("EIO=4&transport=polling&name=a%20b+c&bad=%zz&sign=%+5&empty");
        assert_eq!(q["EIO"], "4");
        assert_eq!(q["name"], "a b c");
        assert_eq!(q["bad"], "%zz");
        // Two hex digits, as Node's querystring: not a sign and a digit.
        assert_eq!(q["sign"], "% 5");
        assert_eq!(q["empty"], "");
    }

    #[test]
    fn serialises_as_the_official_object_and_back() {
        let mut headers = http::HeaderMap::new();
        headers.append("origin", "http://a.b".parse().unwrap());
        headers.append("x-twice", "1".parse().unwrap());
        headers.append("x-twice", "2".parse().unwrap());
        let request = RequestInfo::new(
            http::Method::GET,
            "/socket.io/?EIO=4&transport=websocket&room=a%20b"
                .parse()
                .unwrap(),
            &headers,
            Some("10.0.0.1:4000".parse().unwrap()),
            true,
        );
        let auth = Value::from("token");
        let handshake = Handshake::new(Arc::new(request), auth.clone());
        assert_eq!(handshake.header("X-Twice"), Some("1"));
        assert_eq!(handshake.query()["room"], "a b");
        assert_eq!(handshake.address(), "10.0.0.1");
        assert!(handshake.xdomain() && handshake.secure());
        let json = serde_json::to_value(&handshake).unwrap();
        assert_eq!(json["headers"]["x-twice"], "1, 2");
        assert_eq!(
            json["url"],
            "/socket.io/?EIO=4&transport=websocket&room=a%20b"
        );
        assert_eq!(json["query"]["transport"], "websocket");
        assert_eq!(json["address"], "10.0.0.1");
        assert_eq!(json["xdomain"], true);
        assert_eq!(json["time"], js_date_string(handshake.issued()).as_str());
        let back: Handshake = serde_json::from_value(json).unwrap();
        assert_eq!(back, handshake);
        assert_eq!(back.auth(), &auth);
    }
}
