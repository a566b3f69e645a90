//! The probe of an upgrade from polling: `2probe`, `3probe`, then the caller pauses polling and sends `5`.
//!
//! The candidates are tried in turn, WebTransport first: the official client favours it (it opens the
//! other probes 200 ms later and keeps the first that succeeds); here a failed WebTransport probe falls
//! back to websocket.

use super::config::EngineConfig;
use super::transport::{Transport, TransportEvent};
use super::websocket::WebSocket;
use crate::options::TransportKind;
use sio_protocol::engine::Packet;

/// The transports a polling session may upgrade to, in the order they are probed: those both sides
/// offer, WebTransport first.
pub(crate) fn candidates(cfg: &EngineConfig, offered: &[String]) -> Vec<TransportKind> {
    [TransportKind::WebTransport, TransportKind::WebSocket]
        .into_iter()
        .filter(|kind| cfg!(feature = "webtransport") || *kind != TransportKind::WebTransport)
        .filter(|kind| cfg.transports.contains(kind) && offered.iter().any(|o| o == kind.name()))
        .collect()
}

/// Probes each candidate for session `sid` until one answers; returns it ready for the `5` upgrade
/// packet.
pub(crate) async fn probe(
    cfg: EngineConfig,
    sid: String,
    candidates: Vec<TransportKind>,
) -> Result<Transport, String> {
    let mut errors = Vec::new();
    for kind in candidates {
        match tokio::time::timeout(cfg.timeout, probe_one(&cfg, &sid, kind)).await {
            Ok(Ok(transport)) => return Ok(transport),
            Ok(Err(e)) => errors.push(format!("{}: {e}", kind.name())),
            Err(_) => errors.push(format!("{}: probe timeout", kind.name())),
        }
    }
    Err(errors.join("; "))
}

async fn probe_one(
    cfg: &EngineConfig,
    sid: &str,
    kind: TransportKind,
) -> Result<Transport, String> {
    let mut transport = open(cfg, sid, kind).await?;
    if let Some(TransportEvent::Error(e)) = transport
        .send(&[Packet::Ping("probe".into()).encode()])
        .await
    {
        return Err(e);
    }
    match transport.next().await {
        TransportEvent::Packet(Packet::Pong(data)) if data.as_str() == "probe" => Ok(transport),
        other => Err(format!("probe error: {other:?}")),
    }
}

async fn open(cfg: &EngineConfig, sid: &str, kind: TransportKind) -> Result<Transport, String> {
    match kind {
        #[cfg(feature = "webtransport")]
        TransportKind::WebTransport => super::webtransport::WebTransport::connect(cfg, Some(sid))
            .await
            .map(|wt| Transport::WebTransport(Box::new(wt)))
            .map_err(|e| e.to_string()),
        _ => WebSocket::connect(cfg, Some(sid))
            .await
            .map(|ws| Transport::WebSocket(Box::new(ws)))
            .map_err(|e| e.to_string()),
    }
}
