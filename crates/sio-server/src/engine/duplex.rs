//! The stream transports: a websocket, or (with the `webtransport` feature) a WebTransport stream.
//! A session on either, or probing either to leave polling, reads messages from it and writes
//! batches of frames to it alike.

use super::uncompressed::BatchFlags;
use super::websocket::{self, ReadError, WebSocket};
#[cfg(feature = "webtransport")]
use super::webtransport::WtStream;
use super::Transport;
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
            // Boxed: wtransport's write is a large future, and the websocket's must not pay for it in
            // every session's task.
            #[cfg(feature = "webtransport")]
            Duplex::WebTransport(wt) => Box::pin(wt.send(frames, limit)).await,
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
