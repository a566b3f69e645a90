//! HTTP long-polling requests: a GET waiting for frames, a POST read under the size limit, the answers.

use super::compress::{self, Encoding};
use super::errors::{self, EngineError};
use super::lossy_utf8::LossyUtf8;
use super::polling::{Delivery, PollAnswer, PollRefused};
use super::protocol::{self, BodyError};
use super::session::{Command, PostedData};
use super::slot::SessionSlot;
use super::{CloseReason, Engine, EngineBody, EngineConfig, EngineHandler, EngineSocket};
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use http_body::Body;
use http_body_util::BodyExt;
use sio_protocol::engine::v3::EncodedPayload;
use sio_protocol::engine::{Packet, PayloadDecoder};
use tokio::sync::{mpsc, oneshot};

/// Serves a GET on an existing polling session: it waits in the session's poll slot for frames, to
/// be answered with `encoding` when compression applies. The request itself is not kept while it
/// waits: its head would hold on to the connection's read buffer.
pub(crate) async fn poll<H: EngineHandler>(
    engine: &Engine<H>,
    socket: &EngineSocket,
    slot: &SessionSlot<H::Session>,
    guard: AbortGuard,
    encoding: Option<Encoding>,
) -> Response<EngineBody> {
    if let Err(refused) = socket.begin_poll() {
        guard.disarm();
        return match refused {
            PollRefused::Overlap => {
                tracing::debug!(sid = %socket.id(), "request overlap");
                socket.close(CloseReason::TransportError);
                errors::status(StatusCode::BAD_REQUEST)
            }
            PollRefused::NotPolling => errors::status(StatusCode::BAD_REQUEST),
            PollRefused::Closed => EngineError::UnknownSid.response(None),
        };
    }
    let answer = std::future::poll_fn(|cx| socket.poll_answer(cx)).await;
    guard.disarm();
    match answer {
        PollAnswer::Queue(payload) => {
            let res = payload_response(engine.config(), encoding, payload);
            if let Some(value) = slot.turn().as_mut() {
                engine.handler().on_drain(socket, value);
            }
            res
        }
        PollAnswer::Frames(frames) => {
            let payload = socket.wire().encode_payload(&frames);
            payload_response(engine.config(), encoding, payload)
        }
        PollAnswer::Reject => errors::status(StatusCode::BAD_REQUEST),
        PollAnswer::Gone => EngineError::UnknownSid.response(None),
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
            socket.end_poll();
            socket.close(CloseReason::TransportError);
        }
    }
}

/// Whether a POST declares a binary body, which polling payloads never are.
pub(crate) fn is_binary(request_headers: &HeaderMap) -> bool {
    request_headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/octet-stream")
}

/// Serves a POST on an existing polling session (its head already read, see [`is_binary`]):
/// messages go to the handler from this task, anything else (pong, close, a tail that does not
/// decode) through the session task.
pub(crate) async fn data<H, B>(
    engine: &Engine<H>,
    socket: &EngineSocket,
    slot: &SessionSlot<H::Session>,
    commands: mpsc::Sender<Command>,
    binary: bool,
    body: B,
) -> Response<EngineBody>
where
    H: EngineHandler,
    B: Body + Send + 'static,
    B::Data: Send,
{
    let config = engine.config();
    // Binary payloads exist in revision 3 only.
    if binary && !socket.wire().is_v3() {
        tracing::debug!(sid = %socket.id(), "invalid content type on a polling POST");
        socket.close(CloseReason::TransportError);
        return errors::status(StatusCode::BAD_REQUEST);
    }
    let Some(_guard) = PostGuard::enter(socket) else {
        tracing::debug!(sid = %socket.id(), "data request overlap");
        socket.close(CloseReason::TransportError);
        return errors::status(StatusCode::BAD_REQUEST);
    };
    // A body that stops arriving is given up after `request_timeout` with Node's 408: a peer cannot
    // hold the request, and the session's POST slot, forever.
    let max = config.max_http_buffer_size;
    let read = tokio::time::timeout(config.request_timeout, async {
        if socket.wire().is_v3() {
            protocol::read_v3_body(body, max, binary)
                .await
                .map_err(ReadError::from)
        } else {
            read_packets(body, max).await
        }
    })
    .await;
    let (packets, parse_error) = match read {
        Ok(Ok(read)) => read,
        // The session stays, as in engine.io: only this POST is refused.
        Ok(Err(ReadError::TooLarge)) => return errors::status(StatusCode::PAYLOAD_TOO_LARGE),
        Ok(Err(ReadError::Aborted)) => {
            tracing::debug!(sid = %socket.id(), "data request connection closed prematurely");
            socket.close(CloseReason::TransportError);
            return errors::status(StatusCode::BAD_REQUEST);
        }
        Err(_) => {
            tracing::debug!(sid = %socket.id(), "data request body timed out");
            socket.close(CloseReason::TransportError);
            return request_timeout();
        }
    };
    let messages_only = !parse_error
        && packets
            .iter()
            .all(|p| matches!(p, Packet::Message(_) | Packet::Binary(_)));
    if messages_only {
        return match socket.deliver(engine, slot, packets) {
            Delivery::Delivered | Delivery::Closing => ok(),
            Delivery::NotPolling => errors::status(StatusCode::BAD_REQUEST),
        };
    }
    let (tx, rx) = oneshot::channel();
    let cmd = Command::Data(Box::new(PostedData {
        packets,
        parse_error,
        reply: tx,
    }));
    if commands.send(cmd).await.is_err() {
        return EngineError::UnknownSid.response(None);
    }
    // Whatever the packets did to the session (a payload that does not decode closes it with
    // "parse error"), the POST itself was read: engine.io answers it `ok`.
    match rx.await {
        Ok(_) => ok(),
        Err(_) => EngineError::UnknownSid.response(None),
    }
}

/// Node's answer to a request whose body did not arrive in time; the connection closes after it.
fn request_timeout() -> Response<EngineBody> {
    let mut res = errors::status(StatusCode::REQUEST_TIMEOUT);
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// The `ok` answer to a POST.
fn ok() -> Response<EngineBody> {
    let mut res = Response::new(EngineBody::new(Bytes::from_static(b"ok")));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

enum ReadError {
    TooLarge,
    Aborted,
}

impl From<BodyError> for ReadError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge => ReadError::TooLarge,
            BodyError::Aborted => ReadError::Aborted,
        }
    }
}

/// Reads and decodes a POST body as text (invalid UTF-8 becoming U+FFFD, as engine.io reads it),
/// refusing it as soon as it passes `max` bytes. An empty body is a payload that does not decode.
async fn read_packets<B>(body: B, max: usize) -> Result<(Vec<Packet>, bool), ReadError>
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    use bytes::Buf;
    let mut body = std::pin::pin!(body);
    let mut decoder = PayloadDecoder::new(max);
    let mut text = LossyUtf8::default();
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
            text.push(chunk, &mut |b| {
                decoder.push(b).map_err(|_| ReadError::TooLarge)
            })?;
            data.advance(n);
        }
        while let Some(p) = decoder.next_packet() {
            match p {
                Ok(p) if !parse_error => packets.push(p),
                _ => parse_error = true,
            }
        }
    }
    text.finish(&mut |b| decoder.push(b).map_err(|_| ReadError::TooLarge))?;
    match decoder.finish() {
        Some(Ok(p)) if !parse_error => packets.push(p),
        // Nothing at all (an empty body) does not decode either.
        Some(_) | None => parse_error = true,
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

/// The encoding a polling answer may use: compression is on and the request accepts one.
pub(crate) fn accepted_encoding(
    config: &EngineConfig,
    request_headers: &HeaderMap,
) -> Option<Encoding> {
    config.http_compression.as_ref()?;
    let accept = request_headers
        .get(header::ACCEPT_ENCODING)?
        .to_str()
        .ok()?;
    compress::negotiate(accept)
}

/// A 200 polling answer carrying `payload` (in the session's protocol revision), compressed with
/// `accepted` (see [`accepted_encoding`]) when it reaches the threshold.
pub(crate) fn payload_response(
    config: &EngineConfig,
    accepted: Option<Encoding>,
    payload: EncodedPayload,
) -> Response<EngineBody> {
    let mut encoding: Option<Encoding> = None;
    let content_type = protocol::content_type(&payload);
    let payload = payload.bytes;
    let mut body = payload.clone();
    if let (Some(c), Some(enc)) = (&config.http_compression, accepted) {
        if payload.len() >= c.threshold {
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
    let mut res = Response::new(EngineBody::new(body));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(enc) = encoding {
        h.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(enc.as_str()),
        );
    }
    res
}
