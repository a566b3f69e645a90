//! HTTP long-polling: GET waits for frames, POST carries packets; both sides of it (request and task).

use super::compress::{self, Encoding};
use super::errors::{self, EngineError};
use super::session::{Command, Link, Session, Step};
use super::{CloseReason, EngineBody, EngineConfig, EngineHandler, EngineSocket};
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use http_body::Body;
use http_body_util::BodyExt;
use sio_protocol::engine::{encode_payload, Frame, Packet, PacketType, PayloadDecoder};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How long a session closed by the client's `1` waits for a GET that is on its way.
const CLOSE_LINGER: Duration = Duration::from_millis(500);

/// How the session task answers a waiting GET.
#[derive(Debug)]
pub(crate) enum PollAnswer {
    /// 200 with these frames as the payload.
    Frames(Vec<Frame>),
    /// 400: the GET is not wanted (a second concurrent GET, or the session moved to websocket).
    Reject,
}

/// A GET waiting in the session task for frames.
pub(crate) struct PendingPoll(oneshot::Sender<PollAnswer>);

impl PendingPoll {
    pub(crate) fn answer(self, answer: PollAnswer) {
        let _ = self.0.send(answer);
    }
}

/// Resolves when the waiting GET's connection went away (never if there is none).
pub(crate) async fn aborted(link: &mut Link) {
    match link {
        Link::Polling(Some(p)) => p.0.closed().await,
        _ => std::future::pending().await,
    }
}

impl<H: EngineHandler> Session<H> {
    /// A GET arrived.
    pub(crate) async fn on_poll(&mut self, reply: oneshot::Sender<PollAnswer>) -> Step {
        match &mut self.link {
            Link::Websocket(_) => {
                let _ = reply.send(PollAnswer::Reject);
                Ok(())
            }
            Link::Polling(Some(_)) => {
                tracing::debug!(sid = %self.socket.id(), "request overlap");
                let _ = reply.send(PollAnswer::Reject);
                Err(self.abort(CloseReason::TransportError).await)
            }
            Link::Polling(pending) => {
                *pending = Some(PendingPoll(reply));
                self.socket.state().ready = true;
                if let Some(probe) = &mut self.probe {
                    probe.schedule_noop();
                }
                Ok(())
            }
        }
    }

    /// A POST was decoded.
    pub(crate) async fn on_data(
        &mut self,
        packets: Vec<Packet>,
        parse_error: bool,
        reply: oneshot::Sender<bool>,
    ) -> Step {
        for packet in packets {
            if packet == Packet::Close {
                let _ = reply.send(true);
                if matches!(self.link, Link::Polling(None)) {
                    // The client's GET may still be on its way: answer it with the noop it expects.
                    self.socket
                        .state()
                        .close_request
                        .get_or_insert(CloseReason::TransportClose);
                    let noop = vec![Frame::text(PacketType::Noop, "")];
                    self.deliver_to_next_poll(noop, CLOSE_LINGER).await;
                }
                return Err(self.abort(CloseReason::TransportClose).await);
            }
            if let Err(reason) = self.on_packet(packet).await {
                let _ = reply.send(false);
                return Err(reason);
            }
        }
        if parse_error {
            tracing::debug!(sid = %self.socket.id(), "polling payload does not decode");
            let _ = reply.send(false);
            return Err(self.abort(CloseReason::ParseError).await);
        }
        let _ = reply.send(true);
        Ok(())
    }

    /// Answers the waiting GET with every queued frame, unless an upgrade froze polling.
    pub(crate) fn flush_polling(&mut self) {
        if self.probe.as_ref().is_some_and(|p| p.probed) {
            return;
        }
        let Link::Polling(pending) = &mut self.link else {
            return;
        };
        if pending.is_none() {
            return;
        }
        let frames = {
            let mut s = self.socket.state();
            if s.queue.is_empty() {
                return;
            }
            s.ready = false;
            s.queue.drain(..).collect::<Vec<_>>()
        };
        if let Some(p) = pending.take() {
            p.answer(PollAnswer::Frames(frames));
        }
        self.engine.handler().on_drain(&self.socket);
    }

    /// Closes a polling session on the server's request: the queue and a close packet go to the waiting
    /// GET, or to the next one within `close_timeout` (not waited for on shutdown or errors).
    pub(crate) async fn close_polling(&mut self, reason: CloseReason) -> CloseReason {
        let mut frames = self.socket.take_queue();
        frames.push(Frame::text(PacketType::Close, ""));
        self.socket.state().ready = false;
        if let Link::Polling(pending) = &mut self.link {
            if let Some(p) = pending.take() {
                p.answer(PollAnswer::Frames(frames));
                return reason;
            }
        }
        if reason == CloseReason::ForcedClose {
            let timeout = self.engine.config().close_timeout;
            self.deliver_to_next_poll(frames, timeout).await;
        }
        reason
    }

    /// Answers the next GET (if one comes within `timeout`) with `frames`, while the session closes.
    async fn deliver_to_next_poll(&mut self, frames: Vec<Frame>, timeout: Duration) {
        let wait = async {
            while let Some(cmd) = self.commands.recv().await {
                match cmd {
                    Command::Poll(reply) => {
                        let _ = reply.send(PollAnswer::Frames(frames));
                        return;
                    }
                    Command::Data { reply, .. } => {
                        let _ = reply.send(true);
                    }
                    Command::Upgrade(ws) => super::websocket::discard(ws),
                }
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
    }
}

/// Serves a GET on an existing polling session.
pub(crate) async fn poll(
    config: &EngineConfig,
    socket: &EngineSocket,
    commands: mpsc::Sender<Command>,
    request_headers: &HeaderMap,
) -> Response<EngineBody> {
    // A GET dropped before its answer (the client went away) closes the session, as an aborted poll does.
    let guard = AbortGuard(Some(socket));
    let (tx, rx) = oneshot::channel();
    if commands.send(Command::Poll(tx)).await.is_err() {
        return EngineError::UnknownSid.response(None);
    }
    let answer = rx.await;
    drop(guard.disarm());
    match answer {
        Ok(PollAnswer::Frames(frames)) => payload_response(config, request_headers, &frames),
        Ok(PollAnswer::Reject) => errors::status(StatusCode::BAD_REQUEST),
        Err(_) => EngineError::UnknownSid.response(None),
    }
}

/// Closes the session if the request it guards is dropped unanswered.
struct AbortGuard<'a>(Option<&'a EngineSocket>);

impl AbortGuard<'_> {
    fn disarm(mut self) -> Self {
        self.0 = None;
        self
    }
}

impl Drop for AbortGuard<'_> {
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
    let (packets, parse_error) = match read_packets(body, config.max_http_buffer_size).await {
        Ok(read) => read,
        Err(ReadError::TooLarge) => return errors::status(StatusCode::PAYLOAD_TOO_LARGE),
        Err(ReadError::Aborted) => {
            socket.close(CloseReason::TransportError);
            return errors::status(StatusCode::BAD_REQUEST);
        }
    };
    let (tx, rx) = oneshot::channel();
    let cmd = Command::Data {
        packets,
        parse_error,
        reply: tx,
    };
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
