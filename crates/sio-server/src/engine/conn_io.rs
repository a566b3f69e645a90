//! A connection of [`listen`](super::Engine::listen) as hyper reads and writes it, answering Node's
//! `408 Request Timeout` when the request-head timeout ends a connection that owes a request an
//! answer (hyper closes it without a word).
//!
//! A connection owes an answer from its first byte until its answer is written, and again from the
//! first byte of the next request. A connection that never sent a byte owes one too (Node answers a
//! silent connection 408 after `headersTimeout`); an idle keep-alive connection does not, and is
//! closed silently, as Node closes it.

use super::head_timer::HeadTimeout;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Node's answer to a request head that did not arrive in time.
const REQUEST_TIMEOUT: &[u8] = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

/// A TCP connection served by hyper (through `TokioIo`), its head timeout, and whether a request
/// waits for an answer.
pub(crate) struct ConnIo {
    stream: TcpStream,
    timeout: HeadTimeout,
    owes_answer: bool,
}

impl ConnIo {
    pub(crate) fn new(stream: TcpStream, timeout: HeadTimeout) -> Self {
        ConnIo {
            stream,
            timeout,
            owes_answer: true,
        }
    }

    fn wrote(&mut self, polled: &Poll<io::Result<usize>>) {
        if matches!(polled, Poll::Ready(Ok(n)) if *n > 0) {
            self.owes_answer = false;
        }
    }
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        if self.owes_answer && self.timeout.fired() {
            // A best effort, as Node's own: the connection closes right after, written or not.
            let _ = self.stream.try_write(REQUEST_TIMEOUT);
        }
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.owes_answer = true;
        }
        polled
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.wrote(&polled);
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.wrote(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
