//! Engine.IO over WebTransport (HTTP/3 on QUIC), as engine.io serves it: a listener beside the HTTP
//! one, one bidirectional stream per session in engine.io-parser's stream framing, the handshake as
//! the client's first packet (`open`, with `{"sid":...}` to upgrade a polling session), then the
//! same heartbeat, limits, upgrade probe and close as on a websocket.
//!
//! Opt-in, as officially: add [`Transport::WebTransport`](super::Transport) to
//! [`EngineConfig::transports`](super::EngineConfig) (so that the polling handshake offers it as an
//! upgrade) and start the listener with a TLS identity. Browsers need a certificate they trust, or a
//! short-lived ECDSA one given by hash (`serverCertificateHashes`, what [`Identity::self_signed`] makes).
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use sio_server::engine::{Identity, Transport};
//! use sio_server::{Server, ServerConfig};
//!
//! let mut config = ServerConfig::default();
//! config.engine.transports.push(Transport::WebTransport);
//! let io = Server::new(config);
//! let http = io.listen("127.0.0.1:3000").await?;
//! let identity = Identity::load_pemfiles("cert.pem", "key.pem").await.expect("a certificate");
//! let webtransport = io.listen_webtransport("127.0.0.1:3000".parse().unwrap(), identity).await?;
//! # Ok(()) }
//! ```
//!
//! The crate behind it is `wtransport` (on quinn and rustls): a complete WebTransport endpoint with
//! browser-compatible HTTP/3 settings and a self-signed identity builder, where `h3` + `h3-webtransport`
//! would have the server assemble QUIC, HTTP/3 and the WebTransport session itself.

mod accept;
mod listen;
mod stream;

pub use listen::WebTransportServer;
pub(crate) use stream::WtStream;
pub use wtransport::Identity;

/// The SHA-256 of `identity`'s certificate in hex, as a browser's `serverCertificateHashes` takes it
/// (`{ algorithm: "sha-256", value }`, the bytes of this hex).
pub fn certificate_hash(identity: &Identity) -> String {
    let Some(certificate) = identity.certificate_chain().as_slice().first() else {
        return String::new();
    };
    certificate
        .hash()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
