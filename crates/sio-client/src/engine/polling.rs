//! HTTP long-polling: one GET waiting for the server's packets and at most one POST carrying ours.
//!
//! A response body is read up to [`crate::Bounds::max_message_size`]; a longer one fails the request.

use super::config::EngineConfig;
use crate::error::{with_causes, Error};
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
    http: reqwest::Client,
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
            http: cfg.http()?,
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
        let body = get(cfg.http()?, url, cfg.headers.clone(), cfg.max_message_size)
            .await
            .map_err(Error::Transport)?;
        let mut packets = PayloadDecoder::decode_all(&body, body.len())
            .map_err(|e| Error::Handshake(e.to_string()))?
            .into_iter();
        match packets.next() {
            Some(Packet::Open(data)) => Ok((data.to_string(), packets.collect())),
            other => Err(Error::Handshake(format!(
                "expected an open packet, got {other:?}"
            ))),
        }
    }

    /// Starts the next GET unless one is running or the transport is paused.
    pub fn poll(&mut self) {
        if self.get.is_none() && !self.paused {
            let fut = get(
                self.http.clone(),
                self.url.clone(),
                self.headers.clone(),
                self.max_body,
            );
            self.get = Some(Box::pin(fut));
        }
    }

    /// Whether a POST may start now.
    pub fn writable(&self) -> bool {
        self.post.is_none()
    }

    /// Sends frames in one POST (the caller checked `writable`).
    pub fn send(&mut self, frames: &[Frame]) {
        let body = encode_payload(frames);
        let req = self
            .http
            .post(self.url.clone())
            .header("content-type", "text/plain;charset=UTF-8");
        let req = self
            .headers
            .iter()
            .fold(req, |r, (k, v)| r.header(k.as_str(), v.as_str()))
            .body(body);
        self.post = Some(Box::pin(async move {
            let res = req.send().await.map_err(|e| with_causes(&e))?;
            if !res.status().is_success() {
                return Err(format!("POST failed with status {}", res.status()));
            }
            res.bytes().await.map_err(|e| with_causes(&e))?;
            Ok(())
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

fn get(
    http: reqwest::Client,
    url: Url,
    headers: Vec<(String, String)>,
    max_body: usize,
) -> impl std::future::Future<Output = Result<Bytes, String>> + Send + 'static {
    let req = headers
        .iter()
        .fold(http.get(url), |r, (k, v)| r.header(k.as_str(), v.as_str()));
    async move {
        let res = req.send().await.map_err(|e| with_causes(&e))?;
        if !res.status().is_success() {
            return Err(format!("GET failed with status {}", res.status()));
        }
        read_body(res, max_body).await
    }
}

/// Reads a response body of at most `max` bytes.
async fn read_body(mut res: reqwest::Response, max: usize) -> Result<Bytes, String> {
    let too_long = || format!("response body over {max} bytes (max_message_size)");
    let announced = res.content_length().unwrap_or(0);
    if announced > max as u64 {
        return Err(too_long());
    }
    let mut body = bytes::BytesMut::with_capacity(announced as usize);
    while let Some(chunk) = res.chunk().await.map_err(|e| with_causes(&e))? {
        if body.len() + chunk.len() > max {
            return Err(too_long());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

async fn wait<T>(slot: &mut Option<BoxFuture<'static, T>>) -> T {
    match slot.as_mut() {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}
