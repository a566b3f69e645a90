//! `sio serve --webtransport`: the WebTransport listener beside the HTTP one, on the same port over UDP,
//! with the given certificate or a self-signed one whose SHA-256 is printed for the browsers'
//! `serverCertificateHashes`.

use crate::cli::ServeArgs;
use crate::failure::Failure;
use sio_server::engine::{certificate_hash, Identity, Transport, WebTransportServer};
use sio_server::{Server, ServerConfig};
use std::net::SocketAddr;

/// Offers WebTransport in the handshake (as an upgrade from polling).
pub fn enable(config: &mut ServerConfig) {
    config.engine.transports.push(Transport::WebTransport);
}

/// Listens for WebTransport on `addr` (UDP); returns the listener and what to tell the user.
pub async fn listen(
    io: &Server,
    addr: SocketAddr,
    args: &ServeArgs,
) -> Result<(WebTransportServer, String), Failure> {
    let (identity, about) = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => {
            let identity = Identity::load_pemfiles(cert, key).await.map_err(|e| {
                Failure::failed(format!(
                    "cannot load --cert {} and --key {}: {e}",
                    cert.display(),
                    key.display()
                ))
            })?;
            (identity, format!("certificate {}", cert.display()))
        }
        _ => {
            let identity = Identity::self_signed(["localhost", "127.0.0.1", "::1"])
                .map_err(|e| Failure::failed(format!("cannot make a certificate: {e}")))?;
            let hash = certificate_hash(&identity);
            let about = format!("self-signed certificate for 14 days, SHA-256 {hash}");
            (identity, about)
        }
    };
    let server = io.listen_webtransport(addr, identity).await.map_err(|e| {
        Failure::failed(format!("cannot listen for WebTransport on udp {addr}: {e}"))
    })?;
    Ok((server, format!("WebTransport on udp {addr} ({about})")))
}
