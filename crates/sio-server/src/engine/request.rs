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
/// to fill [`RequestInfo::remote_addr`].
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
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
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
