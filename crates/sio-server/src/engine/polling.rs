//! HTTP long-polling in the session task: the waiting GET, POSTed packets, closing over polling.

use super::session::{Command, Link, Session, Step};
use super::{CloseReason, EngineHandler};
use sio_protocol::engine::{Frame, Packet, PacketType};
use std::time::Duration;
use tokio::sync::oneshot;

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
            Vec::from(std::mem::take(&mut s.queue))
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
        if self.engine.is_shutting_down() {
            return;
        }
        let engine = self.engine.clone();
        let socket = self.socket.clone();
        let wait = async {
            loop {
                let cmd = tokio::select! {
                    cmd = super::session::recv_some(&mut self.commands) => cmd,
                    _ = socket.0.wake.notified() => {
                        if engine.is_shutting_down() {
                            return;
                        }
                        continue;
                    }
                };
                let Some(cmd) = cmd else { return };
                match cmd {
                    Command::Poll(reply) => {
                        let _ = reply.send(PollAnswer::Frames(frames));
                        return;
                    }
                    Command::Data(data) => {
                        let _ = data.reply.send(true);
                    }
                    Command::Upgrade(ws) => super::websocket::discard(*ws),
                }
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
    }
}
