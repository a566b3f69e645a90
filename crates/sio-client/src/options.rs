//! Client options with the official defaults (`path` `/socket.io`, reconnection 1000..5000 ms, timeout 20 s, ...).

use crate::bounds::Bounds;
#[cfg(feature = "tls")]
use crate::tls::TlsOptions;
pub use sio_protocol::websocket::PerMessageDeflate;
use sio_protocol::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The low-level transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
    /// WebTransport over HTTP/3 (the `webtransport` feature), on the server's host and port over UDP,
    /// always with TLS. Offered by the server as an upgrade from polling, and preferred to WebSocket
    /// then, as by the official client.
    WebTransport,
}

impl TransportKind {
    /// The name used on the wire (`transport=` query parameter): `polling`, `websocket` or
    /// `webtransport`.
    pub fn name(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::WebSocket => "websocket",
            TransportKind::WebTransport => "webtransport",
        }
    }
}

pub use sio_protocol::parser::ParserKind;

/// The `auth` payload sent in each namespace CONNECT.
#[derive(Clone, Default)]
pub enum Auth {
    /// No payload.
    #[default]
    None,
    /// The same value on every (re)connection.
    Value(Value),
    /// Computed again before every (re)connection (e.g. to refresh a token).
    Fn(Arc<dyn Fn() -> Option<Value> + Send + Sync>),
}

impl Auth {
    /// Auth computed by `f` before each connection attempt.
    ///
    /// ```
    /// use sio_client::{value, Auth, Options};
    ///
    /// let opts = Options::default().auth(Auth::from_fn(|| Some(value!({ "token": "fresh token" }))));
    /// # let _ = opts;
    /// ```
    pub fn from_fn(f: impl Fn() -> Option<Value> + Send + Sync + 'static) -> Self {
        Auth::Fn(Arc::new(f))
    }

    pub(crate) fn resolve(&self) -> Option<Value> {
        match self {
            Auth::None => None,
            Auth::Value(v) => Some(v.clone()),
            Auth::Fn(f) => f(),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Value(v) => f.debug_tuple("Value").field(v).finish(),
            Auth::Fn(_) => f.write_str("Fn(..)"),
        }
    }
}

impl From<Value> for Auth {
    fn from(v: Value) -> Self {
        Auth::Value(v)
    }
}

/// Options of [`crate::io`] and [`crate::Manager::new`]. `Options::default()` gives the official defaults;
/// each field has a builder method of its name (new fields will come, so the struct is not built literally).
///
/// ```
/// use sio_client::{Options, TransportKind};
/// use std::time::Duration;
///
/// let opts = Options::default()
///     .reconnection_delay_max(Duration::from_secs(10))
///     .transports(vec![TransportKind::WebSocket]);
/// assert_eq!(opts.path, "/socket.io");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// The server path of the Engine.IO endpoint. Default `/socket.io`.
    pub path: String,
    /// Reconnect automatically. Default `true`.
    pub reconnection: bool,
    /// Attempts before giving up; `None` (default) means unlimited.
    pub reconnection_attempts: Option<u32>,
    /// Initial reconnection delay. Default 1000 ms.
    pub reconnection_delay: Duration,
    /// Maximum reconnection delay. Default 5000 ms.
    pub reconnection_delay_max: Duration,
    /// Jitter applied to each delay, 0 to 1. Default 0.5.
    pub randomization_factor: f64,
    /// Timeout of each connection attempt. Default 20 s.
    pub timeout: Duration,
    /// Connect as soon as the manager / socket is created. Default `true`.
    pub auto_connect: bool,
    /// Transports in order of preference; the first one opens the connection. Default polling then websocket.
    pub transports: Vec<TransportKind>,
    /// Try to upgrade from polling to websocket in the background. Default `true`.
    pub upgrade: bool,
    /// Start with websocket directly once an upgrade has succeeded before. Default `false`.
    pub remember_upgrade: bool,
    /// Query parameters added to every request (the namespace URL's own query is added too).
    pub query: Vec<(String, String)>,
    /// HTTP headers added to the polling requests and the websocket handshake.
    pub extra_headers: Vec<(String, String)>,
    /// The auth payload of the namespace CONNECT.
    pub auth: Auth,
    /// Default ack timeout of emits (and of each try with `retries`). Default none.
    pub ack_timeout: Option<Duration>,
    /// How many times an emit is retried without ack before failing; enables the in-order queue. Default 0.
    pub retries: u32,
    /// The packet format. Default JSON.
    pub parser: ParserKind,
    /// Certificate verification for `https`/`wss` (the `tls` feature).
    #[cfg(feature = "tls")]
    pub tls: TlsOptions,
    /// Always create a new manager (and connection) instead of reusing a cached one. Default `false`.
    pub force_new: bool,
    /// Reuse cached managers per origin and path. Default `true`; `false` is the same as `force_new`.
    pub multiplex: bool,
    /// What the client buffers at most for this server, and what it does when a bound is reached.
    pub bounds: Bounds,
    /// Offer permessage-deflate (RFC 7692) on websockets, as the official Node client does with
    /// `perMessageDeflate: { threshold: 1024 }`. Default none: no offer. When the server accepts,
    /// messages from `threshold` bytes up are compressed, and the server's compressed messages are
    /// inflated within [`Bounds::max_message_size`]. The websocket then runs on sio's own codec.
    pub per_message_deflate: Option<PerMessageDeflate>,
}

/// The official default, `["polling", "websocket", "webtransport"]`, with WebTransport only when the
/// `webtransport` feature brings it.
fn default_transports() -> Vec<TransportKind> {
    let mut transports = vec![TransportKind::Polling, TransportKind::WebSocket];
    if cfg!(feature = "webtransport") {
        transports.push(TransportKind::WebTransport);
    }
    transports
}

impl Default for Options {
    fn default() -> Self {
        Options {
            path: "/socket.io".into(),
            reconnection: true,
            reconnection_attempts: None,
            reconnection_delay: Duration::from_millis(1000),
            reconnection_delay_max: Duration::from_millis(5000),
            randomization_factor: 0.5,
            timeout: Duration::from_millis(20_000),
            auto_connect: true,
            transports: default_transports(),
            upgrade: true,
            remember_upgrade: false,
            query: Vec::new(),
            extra_headers: Vec::new(),
            auth: Auth::None,
            ack_timeout: None,
            retries: 0,
            parser: ParserKind::Default,
            #[cfg(feature = "tls")]
            tls: TlsOptions::default(),
            force_new: false,
            multiplex: true,
            bounds: Bounds::DEFAULT,
            per_message_deflate: None,
        }
    }
}

impl Options {
    crate::setters::setters! {
        path: String,
        reconnection: bool,
        reconnection_attempts: Option<u32>,
        reconnection_delay: Duration,
        reconnection_delay_max: Duration,
        randomization_factor: f64,
        timeout: Duration,
        auto_connect: bool,
        transports: Vec<TransportKind>,
        upgrade: bool,
        remember_upgrade: bool,
        query: Vec<(String, String)>,
        extra_headers: Vec<(String, String)>,
        auth: Auth,
        ack_timeout: Option<Duration>,
        retries: u32,
        parser: ParserKind,
        #[cfg(feature = "tls")]
        tls: TlsOptions,
        force_new: bool,
        multiplex: bool,
        bounds: Bounds,
        per_message_deflate: Option<PerMessageDeflate>,
    }

    /// The engine path with the trailing slash the server expects (`/socket.io/`).
    pub(crate) fn engine_path(&self) -> String {
        let trimmed = self.path.trim_end_matches('/');
        let lead = if trimmed.starts_with('/') { "" } else { "/" };
        format!("{lead}{trimmed}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_defaults() {
        let o = Options::default();
        assert_eq!(o.engine_path(), "/socket.io/");
        assert!(o.reconnection && o.auto_connect && o.upgrade && o.multiplex);
        assert_eq!(o.reconnection_attempts, None);
        assert_eq!(o.reconnection_delay, Duration::from_secs(1));
        assert_eq!(o.reconnection_delay_max, Duration::from_secs(5));
        assert_eq!(o.timeout, Duration::from_secs(20));
        assert_eq!(o.randomization_factor, 0.5);
        let o = Options::default().path("custom".into());
        assert_eq!(o.engine_path(), "/custom/");
    }
}
