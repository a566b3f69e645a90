//! Engine options, with the official engine.io defaults.

use super::{CookieConfig, CorsConfig, HeadersHook, HttpCompression, PerMessageDeflate, Transport};
use sio_protocol::engine::Frame;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// What `allowRequest` answers: `Ok(())` to accept, `Err(message)` to refuse with 403
/// (`None` gives the official message `"Forbidden"`).
pub type AllowRequestResult = Result<(), Option<String>>;

/// An async predicate over the handshake request (`allowRequest`); a refusal answers 403 `{"code":4}`.
pub type AllowRequest = Arc<
    dyn Fn(&http::request::Parts) -> Pin<Box<dyn Future<Output = AllowRequestResult> + Send>>
        + Send
        + Sync,
>;

/// Engine.IO server options. `Default` gives the official defaults.
///
/// ```
/// use std::time::Duration;
/// use sio_server::engine::EngineConfig;
/// let config = EngineConfig::default()
///     .ping_interval(Duration::from_millis(300))
///     .ping_timeout(Duration::from_millis(200));
/// assert_eq!(config.path, "/engine.io");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct EngineConfig {
    /// Where the engine is mounted (`/engine.io`); requests under `path/` are served.
    pub path: String,
    /// Time between two server pings (`pingInterval`, 25 s).
    pub ping_interval: Duration,
    /// Time the server waits for a pong after a ping (`pingTimeout`, 20 s).
    pub ping_timeout: Duration,
    /// Time an upgrade may take before it is cancelled (`upgradeTimeout`, 10 s).
    pub upgrade_timeout: Duration,
    /// Largest polling body and largest websocket message, in bytes (`maxHttpBufferSize`, 1e6).
    pub max_http_buffer_size: usize,
    /// Transports accepted (`transports`): polling and websocket by default. Add
    /// [`Transport::WebTransport`] to announce it in the handshake (as an upgrade from polling) and to
    /// accept sessions on a WebTransport listener (`webtransport` feature).
    pub transports: Vec<Transport>,
    /// Whether polling sessions may upgrade to websocket (`allowUpgrades`, true).
    pub allow_upgrades: bool,
    /// Whether clients of Engine.IO protocol revision 3 are served (`allowEIO3`, false): Socket.IO 2.x
    /// clients (npm `socket.io-client` 2.x and the mobile clients of that generation). Off, their
    /// handshake is refused with 400 `{"code":5,"message":"Unsupported protocol version"}`.
    pub allow_eio3: bool,
    /// A predicate over handshake requests (`allowRequest`, none).
    pub allow_request: Option<AllowRequest>,
    /// CORS headers (`cors`, none).
    pub cors: Option<CorsConfig>,
    /// The session cookie (`cookie`, none).
    pub cookie: Option<CookieConfig>,
    /// Compression of polling responses (`httpCompression`, on above 1024 bytes).
    pub http_compression: Option<HttpCompression>,
    /// `perMessageDeflate` (none, as in engine.io 6): RFC 7692 compression of websocket messages,
    /// negotiated with clients that offer it, as `ws` does. Messages below its `threshold` (1024
    /// bytes), or sent with `compress(false)`, go uncompressed; `maxHttpBufferSize` bounds the
    /// inflated size of a client's message. A connection's compressor and decompressor (together
    /// about 420 KiB with the default windows) are allocated on its first compressed message, and
    /// dropped after each message without context takeover; a connection that negotiated nothing
    /// allocates nothing.
    pub per_message_deflate: Option<PerMessageDeflate>,
    /// A frame sent right after the open packet (`initialPacket`, none).
    pub initial_packet: Option<Frame>,
    /// Bound of a session's outgoing queue, in frames (sio's own, 4096); see [`SendError::Full`](super::SendError::Full).
    pub max_buffered_frames: usize,
    /// How long a polling session closed by the server waits for a poll to deliver the close packet (30 s).
    pub close_timeout: Duration,
    /// How long a polling POST may take to deliver its body once its head is in (Node's http server
    /// `requestTimeout`, 300 s): past it the POST is answered 408 and its session closes, as Node
    /// answers a request that does not finish in time.
    pub request_timeout: Duration,
    /// How long a connection of [`listen`](super::Engine::listen) may take to send a request head,
    /// idle keep-alive time included (Node's http server `headersTimeout` for the head, 30 s here): a
    /// connection that started a head and did not finish it is answered 408 and closed, an idle one
    /// is closed.
    pub headers_timeout: Duration,
    /// A hook over the handshake answer's headers (engine.io's `initial_headers` event, none); see
    /// [`initial_headers`](Self::initial_headers()).
    pub initial_headers: Option<HeadersHook>,
    /// A hook over the headers of every answer carrying a session (engine.io's `headers` event, none);
    /// see [`headers`](Self::headers()).
    pub headers: Option<HeadersHook>,
    /// Whether the request of each polling POST is kept for the handlers of the messages it carries
    /// (engine.io's `transport.dataReq`, see [`EngineSocket::data_request`](super::EngineSocket::data_request);
    /// sio's own option, false: keeping it copies the POST's URI and headers).
    pub data_requests: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            path: "/engine.io".into(),
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            upgrade_timeout: Duration::from_millis(10_000),
            max_http_buffer_size: 1_000_000,
            transports: vec![Transport::Polling, Transport::Websocket],
            allow_upgrades: true,
            allow_eio3: false,
            allow_request: None,
            cors: None,
            cookie: None,
            http_compression: Some(HttpCompression::default()),
            per_message_deflate: None,
            initial_packet: None,
            max_buffered_frames: 4096,
            close_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(300),
            headers_timeout: Duration::from_secs(30),
            initial_headers: None,
            headers: None,
            data_requests: false,
        }
    }
}

impl fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineConfig")
            .field("path", &self.path)
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .field("upgrade_timeout", &self.upgrade_timeout)
            .field("max_http_buffer_size", &self.max_http_buffer_size)
            .field("transports", &self.transports)
            .field("allow_upgrades", &self.allow_upgrades)
            .field("allow_eio3", &self.allow_eio3)
            .field("allow_request", &self.allow_request.is_some())
            .field("cors", &self.cors)
            .field("cookie", &self.cookie)
            .field("http_compression", &self.http_compression)
            .field("per_message_deflate", &self.per_message_deflate)
            .field("initial_packet", &self.initial_packet)
            .field("max_buffered_frames", &self.max_buffered_frames)
            .field("request_timeout", &self.request_timeout)
            .field("headers_timeout", &self.headers_timeout)
            .field("initial_headers", &self.initial_headers.is_some())
            .field("headers", &self.headers.is_some())
            .field("data_requests", &self.data_requests)
            .finish_non_exhaustive()
    }
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = value;
            self
        }
    };
}

impl EngineConfig {
    /// Sets [`path`](Self::path).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }
    setter!(/// Sets [`ping_interval`](Self::ping_interval).
        ping_interval: Duration);
    setter!(/// Sets [`ping_timeout`](Self::ping_timeout).
        ping_timeout: Duration);
    setter!(/// Sets [`upgrade_timeout`](Self::upgrade_timeout).
        upgrade_timeout: Duration);
    setter!(/// Sets [`max_http_buffer_size`](Self::max_http_buffer_size).
        max_http_buffer_size: usize);
    setter!(/// Sets [`transports`](Self::transports).
        transports: Vec<Transport>);
    setter!(/// Sets [`allow_upgrades`](Self::allow_upgrades).
        allow_upgrades: bool);
    setter!(/// Sets [`allow_eio3`](Self::allow_eio3).
        allow_eio3: bool);
    setter!(/// Sets [`cors`](Self::cors).
        cors: Option<CorsConfig>);
    setter!(/// Sets [`cookie`](Self::cookie).
        cookie: Option<CookieConfig>);
    setter!(/// Sets [`http_compression`](Self::http_compression).
        http_compression: Option<HttpCompression>);
    setter!(/// Sets [`per_message_deflate`](Self::per_message_deflate): `Some(PerMessageDeflate::default())`
        /// is engine.io's `perMessageDeflate: true`.
        per_message_deflate: Option<PerMessageDeflate>);
    setter!(/// Sets [`initial_packet`](Self::initial_packet).
        initial_packet: Option<Frame>);
    setter!(/// Sets [`max_buffered_frames`](Self::max_buffered_frames).
        max_buffered_frames: usize);
    setter!(/// Sets [`close_timeout`](Self::close_timeout).
        close_timeout: Duration);
    setter!(/// Sets [`request_timeout`](Self::request_timeout).
        request_timeout: Duration);
    setter!(/// Sets [`headers_timeout`](Self::headers_timeout).
        headers_timeout: Duration);
    setter!(/// Sets [`data_requests`](Self::data_requests).
        data_requests: bool);

    /// Sets the `initial_headers` hook: it runs on the headers of a session's first answer (the
    /// handshake over polling, or the `101` of a session opened on websocket), after the
    /// [`cookie`](Self::cookie) was set and before the [`headers`](Self::headers()) hook, with the
    /// handshake request. A load balancer's sticky-session cookie goes here:
    ///
    /// ```
    /// use http::{header::SET_COOKIE, HeaderValue};
    /// use sio_server::engine::EngineConfig;
    ///
    /// let config = EngineConfig::default().initial_headers(|headers, _request| {
    ///     // `append`, not `insert`: every cookie is its own `Set-Cookie` header.
    ///     headers.append(SET_COOKIE, HeaderValue::from_static("backend=node-1; Path=/; HttpOnly"));
    ///     headers.append(SET_COOKIE, HeaderValue::from_static("theme=dark; Path=/"));
    /// });
    /// assert!(config.initial_headers.is_some());
    /// ```
    pub fn initial_headers<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut http::HeaderMap, &http::request::Parts) + Send + Sync + 'static,
    {
        self.initial_headers = Some(Arc::new(hook));
        self
    }

    /// Sets the `headers` hook: it runs on the headers of every answer carrying a session (the
    /// handshake, each poll, each POST's `ok`, and the `101` of a websocket, upgrade included), with
    /// the request answered. Error answers, CORS preflights and the client bundle do not carry a
    /// session and skip it, as in engine.io. While it is set, a waiting poll keeps its request head
    /// until it is answered.
    ///
    /// ```
    /// use http::HeaderValue;
    /// use sio_server::engine::EngineConfig;
    ///
    /// let config = EngineConfig::default().headers(|headers, request| {
    ///     headers.insert("x-served-by", HeaderValue::from_static("node-1"));
    ///     if let Some(id) = request.headers.get("x-request-id") {
    ///         headers.insert("x-request-id", id.clone());
    ///     }
    /// });
    /// assert!(config.headers.is_some());
    /// ```
    pub fn headers<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut http::HeaderMap, &http::request::Parts) + Send + Sync + 'static,
    {
        self.headers = Some(Arc::new(hook));
        self
    }

    /// Sets `allowRequest`: an async predicate over the handshake request's parts.
    ///
    /// ```
    /// use sio_server::engine::EngineConfig;
    /// let config = EngineConfig::default().allow_request(|parts| {
    ///     let ok = parts.headers.contains_key("x-token");
    ///     async move { if ok { Ok(()) } else { Err(None) } }
    /// });
    /// assert!(config.allow_request.is_some());
    /// ```
    pub fn allow_request<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = AllowRequestResult> + Send + 'static,
    {
        self.allow_request = Some(Arc::new(move |parts| Box::pin(f(parts))));
        self
    }

    /// A heartbeat's worth of time (`pingInterval + pingTimeout`): how long a session lasts without a
    /// sign of life, and so the bound on a write that stops moving.
    pub(crate) fn heartbeat_window(&self) -> Duration {
        self.ping_interval + self.ping_timeout
    }

    /// The path prefix served, with exactly one trailing slash (`/engine.io/`).
    pub(crate) fn base_path(&self) -> String {
        format!("{}/", self.path.trim_end_matches('/'))
    }

    /// The transports a session on `current` may upgrade to, as announced in the handshake.
    /// As engine.io, polling upgrades to websocket and WebTransport, when they are enabled.
    pub(crate) fn upgrades_from(&self, current: Transport) -> Vec<String> {
        if !self.allow_upgrades || current != Transport::Polling {
            return Vec::new();
        }
        [Transport::Websocket, Transport::WebTransport]
            .into_iter()
            .filter(|t| self.transports.contains(t))
            .map(|t| t.as_str().to_string())
            .collect()
    }
}
