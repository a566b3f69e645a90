//! HTTP long-polling: one GET waiting for the server's packets and at most one POST carrying ours.
//!
//! A response body is read up to [`crate::Bounds::max_message_size`]; a longer one fails the request.

use super::config::EngineConfig;
use super::http::HttpClient;
use crate::error::{Error, HandshakeError};
use crate::options::TransportKind;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use sio_protocol::engine::{encode_payload, Frame, Packet, PayloadDecoder};
use url::Url;

/// What the polling transport reports.
#[derive(Debug)]
pub(crate) enum PollEvent {
    /// A GET returned these packets.
    Packets(Vec<Packet>),
    /// The POST completed: the transport is writable again.
    Drain,
    /// A request failed.
    Error(String),
}

/// The polling transport of one session.
pub(crate) struct Polling {
    http: HttpClient,
    url: Url,
    headers: Vec<(String, String)>,
    max_body: usize,
    get: Option<BoxFuture<'static, Result<Bytes, String>>>,
    post: Option<BoxFuture<'static, Result<(), String>>>,
    paused: bool,
    /// A payload's bad packet, reported after the good packets before it.
    failed: Option<String>,
}

impl Polling {
    pub fn new(cfg: &EngineConfig, sid: &str) -> Result<Self, Error> {
        Ok(Polling {
            http: cfg.http(),
            url: cfg.url(TransportKind::Polling, Some(sid))?,
            headers: cfg.headers.clone(),
            max_body: cfg.max_message_size,
            get: None,
            post: None,
            paused: false,
            failed: None,
        })
    }

    /// The handshake GET: returns the OPEN packet's data and any packets that came with it.
    pub async fn handshake(cfg: &EngineConfig) -> Result<(String, Vec<Packet>), Error> {
        let url = cfg.url(TransportKind::Polling, None)?;
        let body = cfg
            .http()
            .get(&url, &cfg.headers, cfg.max_message_size)
            .await
            .map_err(Error::Transport)?;
        let mut packets = PayloadDecoder::decode_all(&body, body.len())
            .map_err(|e| Error::Handshake(HandshakeError::Payload(e)))?
            .into_iter();
        match packets.next() {
            Some(Packet::Open(data)) => Ok((data.to_string(), packets.collect())),
            other => {
                tracing::debug!(packet = ?other, "handshake without an open packet");
                Err(Error::Handshake(HandshakeError::NoOpenPacket))
            }
        }
    }

    /// Starts the next GET unless one is running or the transport is paused.
    pub fn poll(&mut self) {
        if self.get.is_none() && !self.paused {
            let (http, url, headers) = (self.http.clone(), self.url.clone(), self.headers.clone());
            let max = self.max_body;
            self.get = Some(Box::pin(async move {
                http.get(&url, &headers, max)
                    .await
                    .map_err(|e| e.to_string())
            }));
        }
    }

    /// Whether a POST may start now.
    pub fn writable(&self) -> bool {
        self.post.is_none()
    }

    /// Sends frames in one POST (the caller checked `writable`).
    pub fn send(&mut self, frames: &[Frame]) {
        let body = encode_payload(frames);
        let (http, url, headers) = (self.http.clone(), self.url.clone(), self.headers.clone());
        let max = self.max_body;
        self.post = Some(Box::pin(async move {
            http.post(&url, &headers, body, max)
                .await
                .map_err(|e| e.to_string())
        }));
    }

    /// Stops polling after the running GET (for the upgrade).
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Whether no request is running any more.
    pub fn idle(&self) -> bool {
        self.get.is_none() && self.post.is_none()
    }

    /// Waits for the next result of a running request; pending forever when none runs. Cancel-safe.
    pub async fn next(&mut self) -> PollEvent {
        if let Some(e) = self.failed.take() {
            return PollEvent::Error(e);
        }
        enum Done {
            Get(Result<Bytes, String>),
            Post(Result<(), String>),
        }
        let get = &mut self.get;
        let post = &mut self.post;
        let done = tokio::select! {
            r = wait(get), if get.is_some() => Done::Get(r),
            r = wait(post), if post.is_some() => Done::Post(r),
            else => std::future::pending().await,
        };
        match done {
            Done::Get(r) => {
                self.get = None;
                match r {
                    Ok(body) => {
                        let (packets, bad) = decode_payload(&body);
                        match bad {
                            None => self.poll(),
                            Some(e) if packets.is_empty() => return PollEvent::Error(e),
                            Some(e) => self.failed = Some(e),
                        }
                        PollEvent::Packets(packets)
                    }
                    Err(e) => PollEvent::Error(e),
                }
            }
            Done::Post(r) => {
                self.post = None;
                match r {
                    Ok(()) => PollEvent::Drain,
                    Err(e) => PollEvent::Error(e),
                }
            }
        }
    }
}

/// The packets of a payload up to the first bad one, and the error of that one: as the official parser,
/// the packets before it are handled.
fn decode_payload(body: &[u8]) -> (Vec<Packet>, Option<String>) {
    let mut decoder = PayloadDecoder::new(body.len());
    let mut packets = Vec::new();
    let bad = |e| Some(format!("bad payload: {e}"));
    if let Err(e) = decoder.push(body) {
        return (packets, bad(e));
    }
    while let Some(p) = decoder.next_packet() {
        match p {
            Ok(p) => packets.push(p),
            Err(e) => return (packets, bad(e)),
        }
    }
    match decoder.finish() {
        Some(Err(e)) => (packets, bad(e)),
        Some(Ok(p)) => {
            packets.push(p);
            (packets, None)
        }
        None => (packets, None),
    }
}

async fn wait<T>(slot: &mut Option<BoxFuture<'static, T>>) -> T {
    match slot.as_mut() {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}
