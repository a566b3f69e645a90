//! The stream transports: a websocket, or (with the `webtransport` feature) a WebTransport stream.
//! A session on either, or probing either to leave polling, reads messages from it and writes
//! batches of frames to it alike.

use super::session::{Link, Session, Step};
use super::socket::recycle_batch;
use super::uncompressed::BatchFlags;
use super::websocket::{self, ReadError, WebSocket};
#[cfg(feature = "webtransport")]
use super::webtransport::WtStream;
use super::{CloseReason, EngineHandler, Transport};
use sio_protocol::engine::Frame;
use sio_protocol::websocket::Message;
use sio_protocol::Str;
use std::io;
use std::task::{Context, Poll};
use std::time::Duration;

/// A stream transport carrying (or probing to carry) a session.
pub(crate) enum Duplex {
    WebSocket(WebSocket),
    #[cfg(feature = "webtransport")]
    WebTransport(Box<WtStream>),
}

impl Duplex {
    /// The transport it is.
    pub(crate) fn transport(&self) -> Transport {
        match self {
            Duplex::WebSocket(_) => Transport::Websocket,
            #[cfg(feature = "webtransport")]
            Duplex::WebTransport(_) => Transport::WebTransport,
        }
    }

    /// The next message: text or binary data (a websocket also returns its control messages).
    pub(crate) fn poll_message(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Message, ReadError>> {
        match self {
            Duplex::WebSocket(ws) => ws.poll_message(cx),
            #[cfg(feature = "webtransport")]
            Duplex::WebTransport(wt) => wt.poll_message(cx),
        }
    }

    /// Whether bytes wait to be written (a websocket's pong, or the rest of a blocked write).
    pub(crate) fn has_unwritten(&self) -> bool {
        match self {
            Duplex::WebSocket(ws) => ws.has_unwritten(),
            #[cfg(feature = "webtransport")]
            Duplex::WebTransport(_) => false,
        }
    }

    /// Writes `frames` as one batch, within `limit` once the transport stops taking them.
    pub(crate) async fn send(
        &mut self,
        frames: impl IntoIterator<Item = Frame>,
        limit: Duration,
    ) -> io::Result<()> {
        self.send_batch(frames, BatchFlags::default(), limit).await
    }

    /// [`send`](Self::send) with the frames' `compress` flags (permessage-deflate on a websocket).
    pub(crate) async fn send_batch(
        &mut self,
        frames: impl IntoIterator<Item = Frame>,
        flags: BatchFlags,
        limit: Duration,
    ) -> io::Result<()> {
        match self {
            Duplex::WebSocket(ws) => ws.send_batch(frames, flags, limit).await,
            #[cfg(feature = "webtransport")]
            Duplex::WebTransport(wt) => wt.send(frames, limit).await,
        }
    }

    /// Closes it (once), best effort and bounded in time: a websocket with a close frame of `code`
    /// and `reason`, a WebTransport session once what was written is delivered.
    pub(crate) async fn close(&mut self, code: Option<u16>, reason: &str) {
        match self {
            Duplex::WebSocket(ws) => ws.close(code, reason).await,
            #[cfg(feature = "webtransport")]
            Duplex::WebTransport(wt) => wt.close().await,
        }
    }
}

/// Closes an unwanted stream transport in the background (bounded by the close's own timeout).
pub(crate) fn discard(duplex: Duplex) {
    close_later(duplex, None, Str::default());
}

/// Closes a stream transport in the background with `code` and `reason`.
pub(crate) fn close_later(duplex: Duplex, code: Option<u16>, reason: Str) {
    match duplex {
        Duplex::WebSocket(ws) => websocket::close_later(ws, code, reason),
        #[cfg(feature = "webtransport")]
        Duplex::WebTransport(mut wt) => {
            tokio::spawn(async move { wt.close().await });
        }
    }
}

impl<H: EngineHandler> Session<H> {
    /// A message (or the end) of the session's stream transport arrived.
    pub(crate) async fn on_stream_message(&mut self, message: Result<Message, ReadError>) -> Step {
        let message = match message {
            Ok(Message::Close(frame)) => {
                // The closing handshake: the client's status and reason are echoed, as `ws` does.
                if let Link::Stream(ws) = &mut self.link {
                    match frame {
                        Some((code, reason)) => ws.close(Some(code), &reason).await,
                        None => ws.close(None, "").await,
                    }
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
                if let Link::Stream(ws) = &mut self.link {
                    ws.close(Some(websocket::close_code(e)), "").await;
                }
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

    /// Closes the stream transport (best effort, bounded in time).
    pub(crate) async fn close_stream(&mut self) {
        if let Link::Stream(ws) = &mut self.link {
            ws.close(None, "").await;
        }
    }
}
