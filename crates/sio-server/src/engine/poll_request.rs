//! HTTP long-polling requests: a GET handed to its session, a POST read under the size limit, the answers.

use super::compress::{self, Encoding};
use super::errors::{self, EngineError};
use super::polling::PollAnswer;
use super::session::{Command, PostedData};
use super::{CloseReason, EngineBody, EngineConfig, EngineSocket};
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use http_body::Body;
use http_body_util::BodyExt;
use sio_protocol::engine::{encode_payload, Frame, Packet, PayloadDecoder};
use tokio::sync::{mpsc, oneshot};

/// Serves a GET on an existing polling session.
pub(crate) async fn poll(
    config: &EngineConfig,
    guard: AbortGuard,
    commands: mpsc::Sender<Command>,
    request_headers: &HeaderMap,
) -> Response<EngineBody> {
    let (tx, rx) = oneshot::channel();
    if commands.send(Command::Poll(tx)).await.is_err() {
        return EngineError::UnknownSid.response(None);
    }
    let answer = rx.await;
    guard.disarm();
    match answer {
        Ok(PollAnswer::Frames(frames)) => payload_response(config, request_headers, &frames),
        Ok(PollAnswer::Reject) => errors::status(StatusCode::BAD_REQUEST),
        Err(_) => EngineError::UnknownSid.response(None),
    }
}

/// Closes the session if the GET it guards is dropped unanswered (the client went away), as an
/// aborted poll does in engine.io.
pub(crate) struct AbortGuard(Option<EngineSocket>);

impl AbortGuard {
    pub(crate) fn new(socket: EngineSocket) -> Self {
        AbortGuard(Some(socket))
    }

    pub(crate) fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if let Some(socket) = self.0.take() {
            tracing::debug!(sid = %socket.id(), "poll request dropped before its answer");
            socket.close(CloseReason::TransportError);
        }
    }
}

/// Serves a POST on an existing polling session.
pub(crate) async fn data<B>(
    config: &EngineConfig,
    socket: &EngineSocket,
    commands: mpsc::Sender<Command>,
    request_headers: &HeaderMap,
    body: B,
) -> Response<EngineBody>
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    let binary = request_headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/octet-stream");
    if binary {
        tracing::debug!(sid = %socket.id(), "invalid content type on a polling POST");
        socket.close(CloseReason::TransportError);
        return errors::status(StatusCode::BAD_REQUEST);
    }
    let Some(_guard) = PostGuard::enter(socket) else {
        tracing::debug!(sid = %socket.id(), "data request overlap");
        socket.close(CloseReason::TransportError);
        return errors::status(StatusCode::BAD_REQUEST);
    };
    // A body that stops arriving is given up after a heartbeat's worth of time (the session would
    // time out by then anyway): a peer cannot hold the request, and the session's POST slot, forever.
    let limit = config.ping_interval + config.ping_timeout;
    let read = tokio::time::timeout(limit, read_packets(body, config.max_http_buffer_size)).await;
    let (packets, parse_error) = match read {
        Ok(Ok(read)) => read,
        Ok(Err(ReadError::TooLarge)) => return errors::status(StatusCode::PAYLOAD_TOO_LARGE),
        Ok(Err(ReadError::Aborted)) | Err(_) => {
            tracing::debug!(sid = %socket.id(), "data request connection closed prematurely");
            socket.close(CloseReason::TransportError);
            return errors::status(StatusCode::BAD_REQUEST);
        }
    };
    let (tx, rx) = oneshot::channel();
    let cmd = Command::Data(Box::new(PostedData {
        packets,
        parse_error,
        reply: tx,
    }));
    if commands.send(cmd).await.is_err() {
        return EngineError::UnknownSid.response(None);
    }
    match rx.await {
        Ok(true) => {
            let mut res = Response::new(EngineBody::new(Bytes::from_static(b"ok")));
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Ok(false) => errors::status(StatusCode::BAD_REQUEST),
        Err(_) => EngineError::UnknownSid.response(None),
    }
}

enum ReadError {
    TooLarge,
    Aborted,
}

/// Reads and decodes a POST body, refusing it as soon as it passes `max` bytes.
async fn read_packets<B>(body: B, max: usize) -> Result<(Vec<Packet>, bool), ReadError>
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    use bytes::Buf;
    let mut body = std::pin::pin!(body);
    let mut decoder = PayloadDecoder::new(max);
    let mut packets = Vec::new();
    let mut parse_error = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| ReadError::Aborted)?;
        let Ok(mut data) = frame.into_data() else {
            continue;
        };
        while data.has_remaining() {
            let chunk = data.chunk();
            let n = chunk.len();
            decoder.push(chunk).map_err(|_| ReadError::TooLarge)?;
            data.advance(n);
        }
        while let Some(p) = decoder.next_packet() {
            match p {
                Ok(p) if !parse_error => packets.push(p),
                _ => parse_error = true,
            }
        }
    }
    match decoder.finish() {
        Some(Ok(p)) if !parse_error => packets.push(p),
        Some(_) => parse_error = true,
        None => {}
    }
    Ok((packets, parse_error))
}

/// Marks a POST in progress on a session; a second one at once is refused.
struct PostGuard<'a>(&'a EngineSocket);

impl<'a> PostGuard<'a> {
    fn enter(socket: &'a EngineSocket) -> Option<Self> {
        use std::sync::atomic::Ordering;
        (!socket.0.posting.swap(true, Ordering::AcqRel)).then_some(PostGuard(socket))
    }
}

impl Drop for PostGuard<'_> {
    fn drop(&mut self) {
        self.0
             .0
            .posting
            .store(false, std::sync::atomic::Ordering::Release);
    }
}

/// A 200 polling answer carrying `frames`, compressed when the options and the client allow it.
pub(crate) fn payload_response(
    config: &EngineConfig,
    request_headers: &HeaderMap,
    frames: &[Frame],
) -> Response<EngineBody> {
    let payload = encode_payload(frames);
    let mut encoding: Option<Encoding> = None;
    let mut body = payload.clone();
    if let Some(c) = &config.http_compression {
        if payload.len() >= c.threshold {
            let accept = request_headers
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok());
            if let Some(enc) = accept.and_then(compress::negotiate) {
                match compress::compress(&payload, enc, c.level) {
                    Ok(compressed) => {
                        body = compressed;
                        encoding = Some(enc);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "compression failed, answering uncompressed")
                    }
                }
            }
        }
    }
    let mut res = Response::new(EngineBody::new(body));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(enc) = encoding {
        h.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(enc.as_str()),
        );
    }
    res
}
