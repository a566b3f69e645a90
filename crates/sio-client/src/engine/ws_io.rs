//! The TCP connection under a websocket, with TLS for `wss`; both websocket codecs run on it.

use super::config::EngineConfig;
use crate::error::{Error, TransportError, UrlError};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use url::Url;

/// A TCP connection, with TLS for `wss`.
pub(crate) enum Io {
    Plain(TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Io {
    /// Connects to `url`'s host (no delay on small writes), with TLS when `cfg` is secure.
    pub async fn connect(cfg: &EngineConfig, url: &Url) -> Result<Io, Error> {
        let host = url
            .host_str()
            .ok_or(Error::InvalidUrl(UrlError::MissingHost))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let tcp = TcpStream::connect((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| Error::Transport(TransportError::caused("websocket connect", e)))?;
        let _ = tcp.set_nodelay(true);
        Io::open(cfg, host, tcp).await
    }

    /// The connection as `cfg` wants it: with TLS for `wss`.
    async fn open(cfg: &EngineConfig, host: &str, tcp: TcpStream) -> Result<Io, Error> {
        #[cfg(feature = "tls")]
        if cfg.secure {
            use crate::error::Cause;
            let name =
                rustls::pki_types::ServerName::try_from(host.trim_matches(['[', ']']).to_string())
                    .map_err(|e| Error::Tls(Cause::new(e)))?;
            let tls = tokio_rustls::TlsConnector::from(cfg.tls.clone())
                .connect(name, tcp)
                .await
                .map_err(|e| Error::Tls(Cause::new(e)))?;
            return Ok(Io::Tls(Box::new(tls)));
        }
        #[cfg(not(feature = "tls"))]
        let _ = (cfg, host);
        Ok(Io::Plain(tcp))
    }
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_read(cx, buf),
            #[cfg(feature = "tls")]
            Io::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Io::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_flush(cx),
            #[cfg(feature = "tls")]
            Io::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_shutdown(cx),
            #[cfg(feature = "tls")]
            Io::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
