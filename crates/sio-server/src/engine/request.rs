//! What the HTTP request that opened a session said, kept after the request itself is dropped.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::SystemTime;

/// The parts of the opening HTTP request a session keeps (for the Socket.IO handshake object).
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The request method (`GET` for every handshake).
    pub method: http::Method,
    /// The request URI, query included.
    pub uri: http::Uri,
    /// The request headers (see [`RequestInfo::headers`]).
    headers: KeptHeaders,
    /// The peer address, when the server knows it (see [`RemoteAddr`]).
    pub remote_addr: Option<SocketAddr>,
    /// Whether the request came over TLS (`https`/`wss` URI scheme).
    pub secure: bool,
    /// When the session was opened.
    pub issued: SystemTime,
}

/// A request extension carrying the peer address; [`Engine::listen`](super::Engine::listen) inserts it.
///
/// When mounting the engine elsewhere, insert it (or a plain `SocketAddr`) into the request extensions
/// to fill [`RequestInfo::remote_addr`] (and the Socket.IO `handshake.address`). The engine cannot read a
/// framework's own connection info; in axum, serve the app with connect info and map each request,
/// outside the engine's layer:
///
/// ```no_run
/// # use axum::extract::{ConnectInfo, Request};
/// # use sio_server::engine::RemoteAddr;
/// # use std::net::SocketAddr;
/// # async fn run(io: sio_server::Server, app: axum::Router) -> std::io::Result<()> {
/// let app = app.layer(io.layer()).layer(axum::middleware::map_request(
///     |ConnectInfo(peer): ConnectInfo<SocketAddr>, mut req: Request| async move {
///         req.extensions_mut().insert(RemoteAddr(peer));
///         req
///     },
/// ));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

impl RequestInfo {
    /// A request as a session keeps it, issued now.
    pub fn new(
        method: http::Method,
        uri: http::Uri,
        headers: &http::HeaderMap,
        remote_addr: Option<SocketAddr>,
        secure: bool,
    ) -> RequestInfo {
        RequestInfo {
            method,
            uri,
            headers: KeptHeaders::new(headers),
            remote_addr,
            secure,
            issued: SystemTime::now(),
        }
    }

    /// Captures the parts of a request.
    pub(crate) fn from_parts(parts: &http::request::Parts) -> RequestInfo {
        let remote_addr = parts
            .extensions
            .get::<RemoteAddr>()
            .map(|r| r.0)
            .or_else(|| parts.extensions.get::<SocketAddr>().copied());
        let secure = matches!(parts.uri.scheme_str(), Some("https") | Some("wss"));
        RequestInfo::new(
            parts.method.clone(),
            detached_uri(&parts.uri),
            &parts.headers,
            remote_addr,
            secure,
        )
    }

    /// The request headers. A session keeps them as one buffer of their bytes (a map of a browser's
    /// dozen headers takes several KiB, for every connection); the map is made on the first call and
    /// kept. [`header`](Self::header) and [`header_pairs`](Self::header_pairs) read the buffer itself.
    pub fn headers(&self) -> &http::HeaderMap {
        self.headers.map()
    }

    /// The first value of the header `name` (case-insensitive), without making the map.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.header_pairs()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// Every header as a lowercase name and its value, in the order received, without making the map.
    pub fn header_pairs(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.headers.pairs()
    }

    /// The value of a query parameter of the opening request.
    pub fn query(&self, name: &str) -> Option<String> {
        super::query::param(self.uri.query().unwrap_or(""), name)
    }
}

/// A copy of `uri` that owns its bytes. hyper parses a request's URI and header values as slices of
/// the connection's read buffer (8 KiB or more); a plain clone would keep that whole buffer alive for
/// as long as the session lives. Each part is copied as it is, without writing the URI out as text and
/// parsing it again; should a part not read back, the URI is cloned, as it was before.
fn detached_uri(uri: &http::Uri) -> http::Uri {
    use http::uri::{Authority, Parts, PathAndQuery, Scheme};
    let owned = |part: &str| bytes::Bytes::copy_from_slice(part.as_bytes());
    let copy = || -> Option<http::Uri> {
        let mut parts = Parts::default();
        parts.scheme = uri.scheme_str().map(Scheme::try_from).transpose().ok()?;
        parts.authority = uri
            .authority()
            .map(|a| Authority::from_maybe_shared(owned(a.as_str())))
            .transpose()
            .ok()?;
        parts.path_and_query = uri
            .path_and_query()
            .map(|pq| PathAndQuery::from_maybe_shared(owned(pq.as_str())))
            .transpose()
            .ok()?;
        http::Uri::from_parts(parts).ok()
    };
    copy().unwrap_or_else(|| uri.clone())
}

/// Headers kept as `name:value\n` lines in one buffer of their own (names are lowercase tokens without
/// `:`, and a value holds no line feed), and as a map once someone asks for one.
#[derive(Clone)]
struct KeptHeaders {
    lines: Box<[u8]>,
    map: OnceLock<http::HeaderMap>,
}

impl KeptHeaders {
    fn new(headers: &http::HeaderMap) -> KeptHeaders {
        let size = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 2)
            .sum();
        let mut lines = Vec::with_capacity(size);
        for (name, value) in headers {
            lines.extend_from_slice(name.as_str().as_bytes());
            lines.push(b':');
            lines.extend_from_slice(value.as_bytes());
            lines.push(b'\n');
        }
        KeptHeaders {
            lines: lines.into_boxed_slice(),
            map: OnceLock::new(),
        }
    }

    fn pairs(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.lines.split(|&b| b == b'\n').filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let name = std::str::from_utf8(&line[..colon]).ok()?;
            Some((name, &line[colon + 1..]))
        })
    }

    fn map(&self) -> &http::HeaderMap {
        self.map.get_or_init(|| {
            let mut map = http::HeaderMap::new();
            for (name, value) in self.pairs() {
                if let (Ok(name), Ok(value)) = (
                    http::HeaderName::from_bytes(name.as_bytes()),
                    http::HeaderValue::from_bytes(value),
                ) {
                    map.append(name, value);
                }
            }
            map
        })
    }
}

impl std::fmt::Debug for KeptHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(
                self.pairs()
                    .map(|(name, value)| (name, String::from_utf8_lossy(value))),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_kept_and_read_back_in_order() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-token", "a:b c".parse().unwrap());
        headers.append("cookie", "io=1".parse().unwrap());
        headers.append("cookie", "b=2".parse().unwrap());
        headers.insert(
            "user-agent",
            http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        );
        let info = RequestInfo::new(
            http::Method::GET,
            "/".parse().unwrap(),
            &headers,
            None,
            false,
        );
        assert_eq!(info.header("X-Token"), Some(&b"a:b c"[..]));
        assert_eq!(info.header("cookie"), Some(&b"io=1"[..]));
        assert_eq!(info.header("origin"), None);
        let pairs: Vec<_> = info.header_pairs().collect();
        assert_eq!(pairs.len(), 4);
        assert_eq!(info.headers(), &headers);
        assert_eq!(info.clone().headers(), &headers);
    }

    #[test]
    fn a_detached_uri_is_the_same_uri() {
        for text in [
            "/socket.io/?EIO=4&transport=polling&t=Pq1",
            "/",
            "*",
            "http://example.com:8080/socket.io/?EIO=4",
            "https://example.com/a%20b?x=%C3%A9#frag",
            "wss://[::1]:3000/socket.io/",
            "example.com:443",
        ] {
            let uri: http::Uri = text.parse().unwrap();
            let detached = detached_uri(&uri);
            assert_eq!(detached, uri, "{text}");
            assert_eq!(detached.to_string(), uri.to_string(), "{text}");
        }
    }
}
