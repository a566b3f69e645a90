//! The session task on a stream transport (websocket or WebTransport): its messages, its batched writes,
//! its close.

use super::{Cold, Link, Session, Step};
use crate::engine::socket::recycle_batch;
use crate::engine::websocket::{self, ReadError};
use crate::engine::{CloseReason, EngineHandler};
use sio_protocol::websocket::Message;

impl<H: EngineHandler> Session<H> {
    /// A message (or the end) of the session's stream transport arrived.
    pub(crate) async fn on_stream_message(&mut self, message: Result<Message, ReadError>) -> Step {
        let message = match message {
            Ok(Message::Close(frame)) => {
                // The closing handshake: the client's status and reason are echoed, as `ws` does.
                match frame {
                    Some((code, reason)) => self.close_stream(Some(code), &reason).await,
                    None => self.close_stream(None, "").await,
                }
                return Err(CloseReason::TransportClose);
            }
            Ok(m) => m,
            Err(ReadError::Eof) => return Err(CloseReason::TransportClose),
            Err(ReadError::Io(e)) => {
                tracing::debug!(sid = %self.socket.id(), error = %e, "transport read failed");
                let reason = websocket::io_reason(&e);
                if reason == CloseReason::TransportError {
                    return Err(self.abort(reason).await);
                }
                return Err(reason);
            }
            Err(ReadError::Framing) => {
                tracing::debug!(sid = %self.socket.id(), "stream framing broken");
                return Err(self.abort(CloseReason::ParseError).await);
            }
            Err(ReadError::Protocol(e)) => {
                tracing::debug!(sid = %self.socket.id(), error = %e, "websocket protocol error");
                self.cancel_upgrade();
                self.close_stream(Some(websocket::close_code(e)), "").await;
                return Err(CloseReason::TransportError);
            }
        };
        match self.socket.wire().decode_ws(message) {
            None => Ok(()),
            Some(Ok(packet)) => self.on_packet(packet).await,
            Some(Err(())) => {
                tracing::debug!(sid = %self.socket.id(), "packet does not decode");
                Err(self.abort(CloseReason::ParseError).await)
            }
        }
    }

    /// Writes every queued frame (and a websocket's pending pong) to the stream transport in one batch.
    pub(crate) async fn flush_stream(&mut self) -> Step {
        let Link::Stream(ws) = &mut self.link else {
            return Ok(());
        };
        let batch = &mut self.batch;
        let flags = self.socket.swap_queue(batch);
        let frames = !batch.is_empty();
        if !frames && !ws.has_unwritten() {
            return Ok(());
        }
        let limit = self.engine.config().heartbeat_window();
        let written = ws.send_batch(batch.drain(..), flags, limit).await;
        recycle_batch(batch);
        match written {
            Ok(()) => {
                if frames {
                    self.report(H::on_drain);
                }
                Ok(())
            }
            Err(e) => {
                tracing::debug!(sid = %self.socket.id(), error = %e, "transport write failed");
                Err(websocket::io_reason(&e))
            }
        }
    }

    /// Closes the stream transport with `code` and `reason` (best effort, bounded in time).
    pub(crate) fn close_stream<'a>(
        &'a mut self,
        code: Option<u16>,
        reason: &'a str,
    ) -> Cold<'a, ()> {
        Box::pin(async move {
            if let Link::Stream(ws) = &mut self.link {
                ws.close(code, reason).await;
            }
        })
    }
}
