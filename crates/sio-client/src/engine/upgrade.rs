//! The websocket probe of the polling-to-websocket upgrade: `2probe`, `3probe`, then the caller pauses polling and sends `5`.

use super::config::EngineConfig;
use super::websocket::{WebSocket, WsEvent};
use sio_protocol::engine::Packet;

/// Opens a websocket for session `sid` and checks it with a probe ping. Returns it ready for the `5` upgrade packet.
pub(crate) async fn probe(cfg: EngineConfig, sid: String) -> Result<Box<WebSocket>, String> {
    let attempt = async {
        let mut ws = WebSocket::connect(&cfg, Some(&sid))
            .await
            .map_err(|e| e.to_string())?;
        ws.send(&[Packet::Ping("probe".into()).encode()]).await?;
        match ws.next().await {
            WsEvent::Packet(Packet::Pong(data)) if data.as_str() == "probe" => Ok(Box::new(ws)),
            other => Err(format!("probe error: {other:?}")),
        }
    };
    tokio::time::timeout(cfg.timeout, attempt)
        .await
        .unwrap_or_else(|_| Err("probe timeout".into()))
}
