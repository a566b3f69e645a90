//! What an engine connection needs to know: address, path, query, transports, headers, TLS.

use super::http::HttpClient;
use crate::error::Error;
use crate::inflow::Inflow;
use crate::options::{PerMessageDeflate, TransportKind};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use url::Url;

/// Settings shared by every engine connection of one manager.
#[derive(Clone)]
pub(crate) struct EngineConfig {
    pub secure: bool,
    pub host: String,
    pub port: u16,
    /// With a trailing slash: `/socket.io/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub transports: Vec<TransportKind>,
    pub upgrade: bool,
    pub remember_upgrade: bool,
    /// Set once a websocket upgrade has succeeded (for `remember_upgrade`).
    pub prior_websocket_success: Arc<AtomicBool>,
    pub headers: Vec<(String, String)>,
    /// The HTTP client for polling, made on first use (a websocket-only manager never needs one).
    pub http: Arc<OnceLock<HttpClient>>,
    #[cfg(feature = "tls")]
    pub tls: Arc<rustls::ClientConfig>,
    pub timeout: Duration,
    /// Bytes of one websocket message or polling response ([`crate::Bounds::max_message_size`]).
    pub max_message_size: usize,
    /// Offer permessage-deflate on websockets ([`crate::Options::per_message_deflate`]).
    pub per_message_deflate: Option<PerMessageDeflate>,
    /// Bytes waiting to be written before sends are refused ([`crate::Bounds::outgoing_bytes`]).
    pub outgoing_bytes: usize,
    /// The manager's received packets not handled yet: the session stops reading while it is saturated.
    pub inflow: Arc<Inflow>,
}

impl EngineConfig {
    /// The HTTP client of the polling transport, sharing the manager's TLS configuration.
    pub fn http(&self) -> HttpClient {
        self.http
            .get_or_init(|| {
                HttpClient::new(
                    #[cfg(feature = "tls")]
                    self.tls.clone(),
                )
            })
            .clone()
    }

    /// The URL of a transport request, with `EIO=4`, the transport, the session id and the user's query.
    pub fn url(&self, transport: TransportKind, sid: Option<&str>) -> Result<Url, Error> {
        let scheme = match (transport, self.secure) {
            (TransportKind::Polling, false) => "http",
            (TransportKind::Polling, true) => "https",
            (TransportKind::WebSocket, false) => "ws",
            (TransportKind::WebSocket, true) => "wss",
            (TransportKind::WebTransport, _) => "https",
        };
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let base = format!("{scheme}://{host}:{}{}", self.port, self.path);
        let mut url = Url::parse(&base).map_err(|e| Error::InvalidUrl(e.into()))?;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in &self.query {
                q.append_pair(k, v);
            }
            q.append_pair("EIO", "4");
            q.append_pair("transport", transport.name());
            if let Some(sid) = sid {
                q.append_pair("sid", sid);
            }
        }
        Ok(url)
    }
}
