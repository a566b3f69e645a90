//! A polling-only Engine.IO client over two keep-alive HTTP/1.1 connections (one for the long-poll GET,
//! one for POSTs), with the Socket.IO CONNECT to `/`.

use crate::error::BenchError;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use tokio::net::TcpStream;

/// The Engine.IO packet separator of polling payloads.
const SEPARATOR: u8 = 0x1e;

/// One polling session.
pub struct PollingConn {
    get: SendRequest<Full<Bytes>>,
    post: SendRequest<Full<Bytes>>,
    /// `/socket.io/?EIO=4&transport=polling&sid=<sid>`
    uri: String,
    host: String,
}

impl PollingConn {
    /// Opens the session (GET handshake), sends CONNECT and reads the CONNECT answer.
    pub async fn connect(addr: SocketAddr) -> Result<Self, BenchError> {
        let host = addr.to_string();
        let mut get = open(addr).await?;
        let open_uri = "/socket.io/?EIO=4&transport=polling";
        let body = request(&mut get, &host, hyper::Method::GET, open_uri, Bytes::new()).await?;
        let sid = sid_of(&body).ok_or_else(|| {
            BenchError::Protocol(format!("no sid in {}", String::from_utf8_lossy(&body)))
        })?;
        let mut conn = PollingConn {
            post: open(addr).await?,
            get,
            uri: format!("{open_uri}&sid={sid}"),
            host,
        };
        conn.post(Bytes::from_static(b"40")).await?;
        loop {
            let body = conn.poll().await?;
            if body
                .split(|b| *b == SEPARATOR)
                .any(|p| p.starts_with(b"40"))
            {
                return Ok(conn);
            }
            if body
                .split(|b| *b == SEPARATOR)
                .any(|p| p.starts_with(b"44"))
            {
                return Err(BenchError::Protocol("CONNECT refused".into()));
            }
        }
    }

    /// One long-poll GET: the payload the server had (packets separated by `0x1e`).
    pub async fn poll(&mut self) -> Result<Bytes, BenchError> {
        request(
            &mut self.get,
            &self.host,
            hyper::Method::GET,
            &self.uri,
            Bytes::new(),
        )
        .await
    }

    /// POSTs a payload (one or more packets separated by `0x1e`).
    pub async fn post(&mut self, payload: Bytes) -> Result<(), BenchError> {
        let body = request(
            &mut self.post,
            &self.host,
            hyper::Method::POST,
            &self.uri,
            payload,
        )
        .await?;
        expect_ok(&body)
    }

    /// Long-polls while POSTing `payload` (if any) on the other connection; returns the polled payload.
    pub async fn exchange(&mut self, payload: Option<Bytes>) -> Result<Bytes, BenchError> {
        let PollingConn {
            get,
            post,
            uri,
            host,
        } = self;
        let poll = request(get, host, hyper::Method::GET, uri, Bytes::new());
        match payload {
            None => poll.await,
            Some(payload) => {
                let send = request(post, host, hyper::Method::POST, uri, payload);
                let (polled, posted) = tokio::join!(poll, send);
                expect_ok(&posted?)?;
                polled
            }
        }
    }
}

fn expect_ok(body: &[u8]) -> Result<(), BenchError> {
    if body != b"ok" {
        return Err(BenchError::Http(format!(
            "POST answered {}",
            String::from_utf8_lossy(body)
        )));
    }
    Ok(())
}

/// Splits a polling payload into its packets.
pub fn packets(payload: &[u8]) -> impl Iterator<Item = &[u8]> {
    payload.split(|b| *b == SEPARATOR)
}

async fn open(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, BenchError> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    stream.set_zero_linger()?;
    let (send, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(send)
}

async fn request(
    send: &mut SendRequest<Full<Bytes>>,
    host: &str,
    method: hyper::Method,
    uri: &str,
    body: Bytes,
) -> Result<Bytes, BenchError> {
    send.ready().await?;
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(uri)
        .header(hyper::header::HOST, host);
    if !body.is_empty() {
        builder = builder.header(hyper::header::CONTENT_TYPE, "text/plain;charset=UTF-8");
    }
    let req = builder
        .body(Full::new(body))
        .map_err(|e| BenchError::Http(e.to_string()))?;
    let res = send.send_request(req).await?;
    let status = res.status();
    let body = res.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(BenchError::Http(format!(
            "{status}: {}",
            String::from_utf8_lossy(&body)
        )));
    }
    Ok(body)
}

/// The `sid` of an Engine.IO open packet (`0{"sid":"...",...}`).
fn sid_of(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let open = text.split('\u{1e}').find(|p| p.starts_with('0'))?;
    let rest = &open[open.find("\"sid\":\"")? + 7..];
    Some(rest[..rest.find('"')?].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sid() {
        let body =
            br#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000}"#;
        assert_eq!(sid_of(body).as_deref(), Some("lv_VI97HAXpY6yYWAAAC"));
        assert_eq!(sid_of(b"40"), None);
        assert_eq!(packets(b"42[1]\x1e2").count(), 2);
    }
}
