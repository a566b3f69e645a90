//! The callbacks through which the engine reports session events.

use super::{CloseReason, EngineSocket};
use sio_protocol::engine::Packet;

/// Receives the events of every session of an [`Engine`](super::Engine).
///
/// The calls for one session come in order and never overlap, except `on_drain`: they come from
/// that session's task, or for messages POSTed over polling from that request's task. `on_drain`
/// comes from whichever task handed the frames to the transport. None may block (spawn a task for
/// async work).
pub trait EngineHandler: Send + Sync + 'static {
    /// A session was opened (handshake sent). Called once, before any `on_message` for it.
    fn on_open(&self, socket: &EngineSocket);
    /// A message arrived: `Packet::Message(Str)` (text) or `Packet::Binary(Bytes)`.
    fn on_message(&self, socket: &EngineSocket, message: Packet);
    /// The session closed, exactly once, with the official reason.
    fn on_close(&self, socket: &EngineSocket, reason: CloseReason);
    /// The session upgraded to websocket.
    fn on_upgrade(&self, _socket: &EngineSocket) {}
    /// Everything queued so far was handed to the transport (engine.io's `drain`).
    fn on_drain(&self, _socket: &EngineSocket) {}
    /// A pong answered the server's ping (engine.io's `heartbeat`).
    fn on_heartbeat(&self, _socket: &EngineSocket) {}
    /// Answers a request under the engine's path before the engine does (the Socket.IO server's client
    /// bundle); `None` leaves it to the engine. Not called for websocket upgrades.
    fn serve_file(
        &self,
        _path: &str,
        _headers: &http::HeaderMap,
    ) -> Option<http::Response<super::EngineBody>> {
        None
    }
}
