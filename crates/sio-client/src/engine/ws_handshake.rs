//! The client's side of the websocket opening handshake: the `GET` with its `Upgrade` and, when
//! permessage-deflate is on, the extension offer; then the check of the `101` and of the extension it
//! accepts. Done here rather than by tungstenite, which has no such extension and keeps its handshake's
//! 4 KiB buffer as the connection's read buffer.

use super::config::EngineConfig;
use crate::error::{Cause, Error, HandshakeError, TransportError};
use base64::Engine as _;
use sio_protocol::websocket::{
    accept_answer, accept_key, client_offer, format_extension, parse_extensions, DeflateParams,
    PerMessageDeflate,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use url::Url;

/// The longest `101` head read.
const MAX_HEAD: usize = 16 * 1024;

/// Most headers a `101` may have.
const MAX_HEADERS: usize = 64;

/// The outcome of the handshake.
pub(crate) struct Handshaken {
    /// The parameters of permessage-deflate, if the server accepted the offer.
    pub deflate: Option<DeflateParams>,
    /// Bytes the server sent after the `101` head (the first frames).
    pub rest: Vec<u8>,
}

/// Sends the upgrade request for `url` over `io` and reads the answer.
pub(crate) async fn handshake<S>(
    io: &mut S,
    url: &Url,
    cfg: &EngineConfig,
    offer: Option<&PerMessageDeflate>,
) -> Result<Handshaken, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>());
    // `host_str` keeps an IPv6 address in brackets, as the Host header wants it.
    let host = url.host_str().unwrap_or_default();
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let mut request = format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    );
    if let Some(offer) = offer {
        let offered = format_extension(&client_offer(offer));
        request.push_str(&format!("Sec-WebSocket-Extensions: {offered}\r\n"));
    }
    for (name, value) in &cfg.headers {
        // As HTTP has them: a token for the name, visible characters (and spaces, tabs) for the value.
        http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
            Error::Transport(TransportError::caused(format!("bad header name {name}"), e))
        })?;
        http::HeaderValue::from_str(value).map_err(|e| {
            Error::Transport(TransportError::caused(
                format!("bad header value for {name}"),
                e,
            ))
        })?;
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    io.write_all(request.as_bytes()).await.map_err(transport)?;
    io.flush().await.map_err(transport)?;

    let mut buf = Vec::with_capacity(1024);
    let head_len = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(Error::Handshake(HandshakeError::HeadTooLong));
        }
        let n = io.read_buf(&mut buf).await.map_err(transport)?;
        if n == 0 {
            return Err(Error::Handshake(HandshakeError::Closed));
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut answer = httparse::Response::new(&mut headers);
    answer
        .parse(&buf[..head_len])
        .map_err(|e| Error::Handshake(HandshakeError::BadAnswer(Cause::new(e))))?;
    if answer.code != Some(101) {
        return Err(Error::Handshake(HandshakeError::Status(
            answer.code.unwrap_or(0),
        )));
    }
    let header = |name: &'static str| {
        answer
            .headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    };
    let expected = accept_key(key.as_bytes());
    if header("sec-websocket-accept").next() != Some(expected.as_bytes()) {
        return Err(Error::Handshake(HandshakeError::BadAccept));
    }
    let extensions: Vec<&[u8]> = header("sec-websocket-extensions").collect();
    let deflate = if extensions.is_empty() {
        None
    } else {
        // As `ws`, a server naming extensions not offered, or parameters not acceptable, fails.
        let refused = |_| Error::Handshake(HandshakeError::BadExtensions);
        let offer = offer.ok_or(Error::Handshake(HandshakeError::BadExtensions))?;
        let answer = parse_extensions(extensions).map_err(refused)?;
        Some(accept_answer(offer, &answer).map_err(refused)?)
    };
    Ok(Handshaken {
        deflate,
        rest: buf[head_len..].to_vec(),
    })
}

fn transport(e: std::io::Error) -> Error {
    Error::Transport(TransportError::caused("websocket connect", e))
}
