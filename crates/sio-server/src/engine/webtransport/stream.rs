//! A session's WebTransport stream: the one bidirectional stream of its WebTransport session, carrying
//! Engine.IO packets in engine.io-parser's stream framing ([`sio_protocol::engine::StreamDecoder`]).

use super::super::websocket::ReadError;
use bytes::BytesMut;
use sio_protocol::engine::{encode_stream_frame, Frame, StreamDecoder};
use sio_protocol::websocket::Message;
use std::io::{self, ErrorKind};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, ReadBuf};
use wtransport::error::StreamWriteError;
use wtransport::{Connection, RecvStream, SendStream, VarInt};

/// Bytes one read asks for at most.
const READ_CHUNK: usize = 16 * 1024;

/// HTTP/3's code for a connection closed without an error (RFC 9114, 8.1).
pub(crate) const H3_NO_ERROR: VarInt = VarInt::from_u32(0x100);

/// How long a close waits for what was written to be delivered.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The stream of a WebTransport session, and the session itself (closed with it).
pub(crate) struct WtStream {
    connection: Connection,
    send: SendStream,
    recv: RecvStream,
    decoder: StreamDecoder,
    /// Received bytes not decoded yet (empty while idle).
    unread: BytesMut,
    closing: bool,
}

impl WtStream {
    /// The stream `send`/`recv` of `connection`, refusing packets over `max_payload` bytes; `unread`
    /// holds what was read past the first packet.
    pub(crate) fn new(
        connection: Connection,
        (send, recv): (SendStream, RecvStream),
        max_payload: usize,
    ) -> WtStream {
        WtStream {
            connection,
            send,
            recv,
            decoder: StreamDecoder::new(max_payload.max(1)),
            unread: BytesMut::new(),
            closing: false,
        }
    }

    /// The next packet, as the text or binary message that carries it.
    pub(crate) fn poll_message(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Message, ReadError>> {
        loop {
            match self.decoder.decode(&mut self.unread) {
                Ok(Some(Frame::Text(text))) => return Poll::Ready(Ok(Message::Text(text))),
                Ok(Some(Frame::Binary(bytes))) => return Poll::Ready(Ok(Message::Binary(bytes))),
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "webtransport framing broken");
                    return Poll::Ready(Err(ReadError::Framing));
                }
            }
            let have = self.unread.len();
            let want = self.decoder.wanted(&self.unread, READ_CHUNK);
            self.unread.resize(have + want, 0);
            let mut buf = ReadBuf::new(&mut self.unread[have..]);
            let read = Pin::new(&mut self.recv).poll_read(cx, &mut buf);
            let n = buf.filled().len();
            self.unread.truncate(have + n);
            if let Err(e) = ready!(read) {
                return Poll::Ready(Err(read_error(e)));
            }
            if n == 0 {
                return Poll::Ready(Err(ReadError::Eof));
            }
        }
    }

    /// Writes `frames` as one batch, within `limit`.
    pub(crate) async fn send(
        &mut self,
        frames: impl IntoIterator<Item = Frame>,
        limit: Duration,
    ) -> io::Result<()> {
        if self.closing {
            return Ok(());
        }
        let mut out = Vec::new();
        for frame in frames {
            encode_stream_frame(&mut out, &frame);
        }
        if out.is_empty() {
            return Ok(());
        }
        match tokio::time::timeout(limit, self.send.write_all(&out)).await {
            Ok(written) => written.map_err(write_error),
            Err(_) => Err(io::Error::new(
                ErrorKind::TimedOut,
                "webtransport write timed out",
            )),
        }
    }

    /// Ends the stream, waits (briefly) until the peer has everything written, then closes the
    /// WebTransport session, as engine.io's `session.close()`: by closing its QUIC connection with
    /// HTTP/3's H3_NO_ERROR, since wtransport sends no CLOSE_WEBTRANSPORT_SESSION capsule (a browser
    /// reports that end as an error, see docs/compatibility.md).
    pub(crate) async fn close(&mut self) {
        if self.closing {
            return;
        }
        self.closing = true;
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
            if self.send.finish().await.is_ok() {
                let _ = self.send.stopped().await;
            }
        })
        .await;
        self.connection.close(H3_NO_ERROR, b"");
    }
}

/// A failed read: the peer going away is an end, anything else an error.
fn read_error(e: io::Error) -> ReadError {
    match e.kind() {
        ErrorKind::NotConnected | ErrorKind::ConnectionReset | ErrorKind::UnexpectedEof => {
            ReadError::Eof
        }
        _ => ReadError::Io(e),
    }
}

/// A failed write, as an I/O error whose kind says whether the peer went away.
fn write_error(e: StreamWriteError) -> io::Error {
    let kind = match e {
        StreamWriteError::NotConnected | StreamWriteError::Stopped(_) => ErrorKind::ConnectionReset,
        _ => ErrorKind::Other,
    };
    io::Error::new(kind, e)
}
