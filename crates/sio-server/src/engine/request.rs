//! What the HTTP request that opened a session said, kept after the request itself is dropped.

use std::net::SocketAddr;
use std::time::SystemTime;

/// The parts of the opening HTTP request a session keeps (for the Socket.IO handshake object).
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The request method (`GET` for every handshake).
    pub method: http::Method,
    /// The request URI, query included.
    pub uri: http::Uri,
    /// The request headers.
    pub headers: http::HeaderMap,
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
    /// Captures the parts of a request.
    pub(crate) fn from_parts(parts: &http::request::Parts) -> RequestInfo {
        let remote_addr = parts
            .extensions
            .get::<RemoteAddr>()
            .map(|r| r.0)
            .or_else(|| parts.extensions.get::<SocketAddr>().copied());
        let secure = matches!(parts.uri.scheme_str(), Some("https") | Some("wss"));
        RequestInfo {
            method: parts.method.clone(),
            uri: detached_uri(&parts.uri),
            headers: detached_headers(&parts.headers),
            remote_addr,
            secure,
            issued: SystemTime::now(),
        }
    }

    /// The value of a query parameter of the opening request.
    pub fn query(&self, name: &str) -> Option<String> {
        super::query::param(self.uri.query().unwrap_or(""), name)
    }
}

/// A copy of `uri` that owns its bytes. hyper parses a request's URI and header values as slices of
/// the connection's read buffer (8 KiB or more); a plain clone would keep that whole buffer alive for
/// as long as the session lives.
fn detached_uri(uri: &http::Uri) -> http::Uri {
    http::Uri::try_from(uri.to_string()).unwrap_or_else(|_| uri.clone())
}

/// A copy of `headers` whose values own their bytes (see [`detached_uri`]).
fn detached_headers(headers: &http::HeaderMap) -> http::HeaderMap {
    let mut out = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let mut copy =
            http::HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        copy.set_sensitive(value.is_sensitive());
        out.append(name.clone(), copy);
    }
    out
}
