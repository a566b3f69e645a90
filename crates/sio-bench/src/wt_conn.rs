//! A minimal Socket.IO client connection over WebTransport: the session's one bidirectional stream,
//! Engine.IO packets in engine.io-parser's stream framing (`sio_protocol::engine`), Engine.IO pings
//! answered inline. The server's certificate is not checked (a loopback server's self-signed one).

use crate::error::BenchError;
use bytes::BytesMut;
use sio_protocol::engine::{encode_stream_frame, Frame, StreamDecoder};
use std::net::SocketAddr;
use std::time::Instant;
use wtransport::endpoint::endpoint_side::Client;
use wtransport::{ClientConfig, Connection, Endpoint, RecvStream, SendStream};

/// Largest server packet accepted (the benchmark never sends more than a few KiB).
const MAX_PACKET: usize = 1 << 20;
/// Read granularity.
const READ_CHUNK: usize = 4096;

/// One WebTransport connection driven by a benchmark task.
pub struct WtConn {
    _endpoint: Endpoint<Client>,
    _connection: Connection,
    send: SendStream,
    recv: RecvStream,
    decoder: StreamDecoder,
    buf: BytesMut,
    out: Vec<u8>,
}

impl WtConn {
    /// Opens a WebTransport session to the server's Socket.IO path, sends the Engine.IO `open`, waits
    /// for the server's, then joins the main namespace (`40`) and waits for its answer.
    pub async fn connect(addr: SocketAddr) -> Result<Self, BenchError> {
        let config = ClientConfig::builder()
            .with_bind_default()
            .with_no_cert_validation()
            .build();
        let endpoint = Endpoint::client(config)?;
        let url = format!("https://{addr}/socket.io/?EIO=4&transport=webtransport");
        let connection = endpoint
            .connect(url)
            .await
            .map_err(|e| BenchError::Protocol(format!("webtransport connect: {e}")))?;
        let opening = connection
            .open_bi()
            .await
            .map_err(|e| BenchError::Protocol(format!("webtransport stream: {e}")))?;
        let (send, recv) = opening
            .await
            .map_err(|e| BenchError::Protocol(format!("webtransport stream: {e}")))?;
        let mut conn = WtConn {
            _endpoint: endpoint,
            _connection: connection,
            send,
            recv,
            decoder: StreamDecoder::new(MAX_PACKET),
            buf: BytesMut::new(),
            out: Vec::with_capacity(256),
        };
        conn.queue(&frame("0"));
        conn.flush().await?;
        conn.expect(b"0").await?;
        conn.queue(&frame("40"));
        conn.flush().await?;
        conn.expect(b"40").await?;
        Ok(conn)
    }

    /// Waits for a packet starting with `prefix`; anything else is a protocol error.
    async fn expect(&mut self, prefix: &[u8]) -> Result<(), BenchError> {
        loop {
            let mut got = None;
            self.read_some().await?;
            self.handle(|_, text, _| {
                got.get_or_insert_with(|| text.to_vec());
            })?;
            match got {
                Some(text) if text.starts_with(prefix) => return Ok(()),
                Some(text) => {
                    return Err(BenchError::Protocol(format!(
                        "expected {:?}, got {:?}",
                        String::from_utf8_lossy(prefix),
                        String::from_utf8_lossy(&text)
                    )))
                }
                None => {}
            }
        }
    }

    /// Waits until more bytes arrived.
    pub async fn read_some(&mut self) -> Result<(), BenchError> {
        let have = self.buf.len();
        self.buf.resize(have + READ_CHUNK, 0);
        let read = self.recv.read(&mut self.buf[have..]).await;
        let n = match read {
            Ok(Some(n)) => n,
            Ok(None) => 0,
            Err(e) => {
                self.buf.truncate(have);
                return Err(BenchError::Protocol(format!("webtransport read: {e}")));
            }
        };
        self.buf.truncate(have + n);
        if n == 0 {
            return Err(BenchError::Closed);
        }
        Ok(())
    }

    /// Decodes every complete packet buffered, calling `on_message(now, text, out)` for each one other
    /// than a ping (whose pong is queued here). `out` collects framed packets to send ([`frame`]); call
    /// [`WtConn::flush`] afterwards. Returns how many packets were handed over.
    pub fn handle(
        &mut self,
        mut on_message: impl FnMut(Instant, &[u8], &mut Vec<u8>),
    ) -> Result<u64, BenchError> {
        let now = Instant::now();
        let mut count = 0;
        loop {
            let frame = self
                .decoder
                .decode(&mut self.buf)
                .map_err(|e| BenchError::Protocol(format!("webtransport framing: {e}")))?;
            let Some(frame) = frame else {
                return Ok(count);
            };
            let text: &[u8] = match &frame {
                Frame::Text(text) => text.as_bytes(),
                Frame::Binary(bytes) => bytes,
            };
            if text == b"2" {
                encode_stream_frame(&mut self.out, &Frame::Text("3".into()));
            } else {
                count += 1;
                on_message(now, text, &mut self.out);
            }
        }
    }

    /// Queues a framed packet ([`frame`]) for the next flush.
    pub fn queue(&mut self, framed: &[u8]) {
        self.out.extend_from_slice(framed);
    }

    /// Writes everything queued.
    pub async fn flush(&mut self) -> Result<(), BenchError> {
        if !self.out.is_empty() {
            self.send
                .write_all(&self.out)
                .await
                .map_err(|e| BenchError::Protocol(format!("webtransport write: {e}")))?;
            self.out.clear();
        }
        Ok(())
    }

    /// Reads, handles and flushes once.
    pub async fn step(
        &mut self,
        on_message: impl FnMut(Instant, &[u8], &mut Vec<u8>),
    ) -> Result<u64, BenchError> {
        self.read_some().await?;
        let n = self.handle(on_message)?;
        self.flush().await?;
        Ok(n)
    }
}

/// A text packet (`42[...]`) framed for the stream.
pub fn frame(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    encode_stream_frame(&mut out, &Frame::Text(text.into()));
    out
}
