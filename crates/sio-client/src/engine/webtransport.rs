//! The WebTransport transport (the `webtransport` feature): an HTTP/3 WebTransport session on the
//! server's host and port (`https://`), one bidirectional stream carrying Engine.IO packets in
//! engine.io-parser's stream framing, opened with an `open` packet (`{"sid":...}` to upgrade), as the
//! official client's `transports/webtransport.ts`. Certificates are checked with the manager's TLS
//! options ([`crate::TlsOptions`]).

use super::config::EngineConfig;
use super::websocket::WsEvent;
use crate::error::{Error, HandshakeError, TransportError};
use crate::options::TransportKind;
use bytes::BytesMut;
use sio_protocol::engine::{encode_stream_frame, Frame, Packet, PacketType, StreamDecoder};
use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;
use tokio::io::{AsyncRead, ReadBuf};
use wtransport::endpoint::endpoint_side::Client;
use wtransport::endpoint::ConnectOptions;
use wtransport::{ClientConfig, Connection, Endpoint, RecvStream, SendStream, VarInt};

/// HTTP/3's code for a connection closed without an error (RFC 9114, 8.1).
const H3_NO_ERROR: VarInt = VarInt::from_u32(0x100);

/// Bytes one read asks for at most.
const READ_CHUNK: usize = 16 * 1024;

/// An open WebTransport stream.
pub(crate) struct WebTransport {
    // Kept so that the QUIC endpoint lives as long as the session.
    _endpoint: Endpoint<Client>,
    connection: Connection,
    send: SendStream,
    recv: RecvStream,
    decoder: StreamDecoder,
    unread: BytesMut,
}

impl WebTransport {
    /// Opens the session and its stream, and sends the `open` packet: for a new session (`sid` none)
    /// or to upgrade an existing one.
    pub async fn connect(cfg: &EngineConfig, sid: Option<&str>) -> Result<Self, Error> {
        let url = cfg.url(TransportKind::WebTransport, sid)?;
        let mut tls = (*cfg.tls).clone();
        tls.alpn_protocols = vec![b"h3".to_vec()];
        let config = ClientConfig::builder()
            .with_bind_default()
            .with_custom_tls(tls)
            .build();
        let endpoint = Endpoint::client(config)
            .map_err(|e| Error::Transport(TransportError::caused("webtransport endpoint", e)))?;
        let mut options = ConnectOptions::builder(url.as_str());
        for (k, v) in &cfg.headers {
            options = options.add_header(k, v);
        }
        let connection = endpoint
            .connect(options.build())
            .await
            .map_err(|e| Error::Transport(TransportError::caused("webtransport connect", e)))?;
        let opening = connection
            .open_bi()
            .await
            .map_err(|e| Error::Transport(TransportError::caused("webtransport stream", e)))?;
        let (send, recv) = opening
            .await
            .map_err(|e| Error::Transport(TransportError::caused("webtransport stream", e)))?;
        let mut wt = WebTransport {
            _endpoint: endpoint,
            connection,
            send,
            recv,
            decoder: StreamDecoder::new(cfg.max_message_size),
            unread: BytesMut::new(),
        };
        let data = sid.map_or_else(String::new, |sid| format!(r#"{{"sid":"{sid}"}}"#));
        wt.send(&[Frame::text(PacketType::Open, &data)])
            .await
            .map_err(|e| Error::Transport(e.into()))?;
        Ok(wt)
    }

    /// Opens a new session over WebTransport only: returns the server's OPEN packet's data.
    pub async fn handshake(cfg: &EngineConfig) -> Result<(Self, String), Error> {
        let mut wt = WebTransport::connect(cfg, None).await?;
        match wt.next().await {
            WsEvent::Packet(Packet::Open(data)) => Ok((wt, data.to_string())),
            other => {
                tracing::debug!(event = ?other, "handshake without an open packet");
                Err(Error::Handshake(HandshakeError::NoOpenPacket))
            }
        }
    }

    /// Sends frames in one write.
    pub async fn send(&mut self, frames: &[Frame]) -> Result<(), String> {
        let mut out = Vec::new();
        for frame in frames {
            encode_stream_frame(&mut out, frame);
        }
        self.send.write_all(&out).await.map_err(|e| e.to_string())
    }

    /// The next packet. Cancel-safe: bytes read stay in `unread` until a packet is whole.
    pub async fn next(&mut self) -> WsEvent {
        poll_fn(|cx| loop {
            match self.decoder.decode(&mut self.unread) {
                Ok(Some(frame)) => {
                    return Poll::Ready(match frame.decode() {
                        Ok(packet) => WsEvent::Packet(packet),
                        Err(e) => WsEvent::Error(format!("bad packet: {e}")),
                    })
                }
                Ok(None) => {}
                Err(e) => return Poll::Ready(WsEvent::Error(format!("bad stream: {e}"))),
            }
            let have = self.unread.len();
            let want = self.decoder.wanted(&self.unread, READ_CHUNK);
            self.unread.resize(have + want, 0);
            let mut buf = ReadBuf::new(&mut self.unread[have..]);
            let read = Pin::new(&mut self.recv).poll_read(cx, &mut buf);
            let n = buf.filled().len();
            self.unread.truncate(have + n);
            match read {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => {
                    tracing::debug!(error = %e, "webtransport stream ended");
                    return Poll::Ready(WsEvent::Closed);
                }
                Poll::Ready(Ok(())) if n == 0 => return Poll::Ready(WsEvent::Closed),
                Poll::Ready(Ok(())) => {}
            }
        })
        .await
    }

    /// Closes the WebTransport session (as the official `transport.close()`).
    pub async fn close(&mut self) {
        let _ = self.send.finish().await;
        self.connection.close(H3_NO_ERROR, b"");
    }
}
