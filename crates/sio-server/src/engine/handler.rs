//! The callbacks through which the engine reports session events.

use super::{CloseReason, EngineSocket};
use sio_protocol::engine::Packet;

/// Receives the events of every session of an [`Engine`](super::Engine).
///
/// Each session carries a value of the handler's own, [`Session`](EngineHandler::Session): made by
/// `on_open`, lent (mutably) to every later event of that session and handed back by `on_close`, so
/// a handler finds its per-session state without a lookup or a lock of its own.
///
/// The calls for one session come in order and never overlap: they come from that session's task, or
/// for messages POSTed over polling and the drain of a poll from that request's task, one at a time.
/// None may block (spawn a task for async work).
pub trait EngineHandler: Send + Sync + 'static {
    /// The handler's value for one session.
    type Session: Send + 'static;

    /// A session was opened (handshake sent). Called once, before any other call for it.
    fn on_open(&self, socket: &EngineSocket) -> Self::Session;
    /// A message arrived: `Packet::Message(Str)` (text) or `Packet::Binary(Bytes)`.
    fn on_message(&self, socket: &EngineSocket, session: &mut Self::Session, message: Packet);
    /// The session closed, exactly once, with the official reason; the session's value comes back.
    fn on_close(&self, socket: &EngineSocket, session: Self::Session, reason: CloseReason);
    /// The session upgraded to websocket (or WebTransport).
    fn on_upgrade(&self, _socket: &EngineSocket, _session: &mut Self::Session) {}
    /// Everything queued so far was handed to the transport (engine.io's `drain`).
    fn on_drain(&self, _socket: &EngineSocket, _session: &mut Self::Session) {}
    /// A pong answered the server's ping (engine.io's `heartbeat`).
    fn on_heartbeat(&self, _socket: &EngineSocket, _session: &mut Self::Session) {}
    /// When to call [`on_deadline`](Self::on_deadline) for a new session, read once right after
    /// `on_open` (the Socket.IO server's connect timeout); `None` for no such call. The session's own
    /// timer keeps it: no task or timer of its own per session.
    fn deadline(&self, _session: &Self::Session) -> Option<tokio::time::Instant> {
        None
    }
    /// The time given by [`deadline`](Self::deadline) came while the session was open; called once.
    fn on_deadline(&self, _socket: &EngineSocket, _session: &mut Self::Session) {}
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
