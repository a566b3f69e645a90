//! The session task's part of long-polling: POSTs carrying engine packets, and closing a polling session
//! (the requests' own part is in `engine/polling.rs`).

use super::{Cold, Command, Link, Session, Step};
use crate::engine::duplex;
use crate::engine::polling::PollAnswer;
use crate::engine::{CloseReason, EngineHandler};
use sio_protocol::engine::{Frame, Packet, PacketType};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::{sleep_until, Instant};

/// How long a session closed by the client's `1` waits for a GET that is on its way.
const CLOSE_LINGER: Duration = Duration::from_millis(500);

impl<H: EngineHandler> Session<H> {
    /// A POST carrying more than messages (a pong, a close, or a tail that does not decode).
    pub(crate) fn on_data(
        &mut self,
        packets: Vec<Packet>,
        parse_error: bool,
        reply: oneshot::Sender<bool>,
    ) -> Cold<'_, Step> {
        Box::pin(async move {
            for packet in packets {
                if packet == Packet::Close {
                    let _ = reply.send(true);
                    let polled = {
                        let mut s = self.socket.state();
                        s.close_request.get_or_insert(CloseReason::TransportClose);
                        s.poll.waiting
                    };
                    if !polled {
                        // The client's GET may still be on its way: answer it with the noop it expects.
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
        })
    }

    /// Closes a polling session on the server's request: the queue and a close packet go to the waiting
    /// GET, or to the next one within `close_timeout` (not waited for on shutdown or errors). An upgrade under
    /// way may still complete meanwhile, as in engine.io: the queue then goes over the websocket.
    pub(crate) async fn close_polling(&mut self, reason: CloseReason) -> CloseReason {
        let mut frames = self.socket.take_queue();
        frames.push(Frame::text(PacketType::Close, ""));
        let unanswered = self.socket.answer_poll(PollAnswer::Frames(frames));
        if let (Err(PollAnswer::Frames(frames)), CloseReason::ForcedClose) = (unanswered, reason) {
            let timeout = self.engine.config().close_timeout;
            self.deliver_to_next_poll(frames, timeout).await;
        }
        self.cancel_upgrade();
        reason
    }

    /// Answers the next GET (if one comes within `timeout`) with `frames`, while the session closes; or,
    /// when the client completes an upgrade first (its poll was already over when the close began), writes
    /// them to the new websocket and closes it.
    async fn deliver_to_next_poll(&mut self, frames: Vec<Frame>, timeout: Duration) {
        if self.engine.is_shutting_down() {
            return;
        }
        let deadline = Instant::now() + timeout;
        let mut answer = PollAnswer::Frames(frames);
        loop {
            answer = match self.socket.answer_poll(answer) {
                Ok(()) => return,
                Err(answer) => answer,
            };
            let socket = self.socket.clone();
            tokio::select! {
                cmd = super::recv_some(&mut self.commands) => match cmd {
                    None => return,
                    Some(Command::Data(data)) => {
                        let _ = data.reply.send(true);
                    }
                    Some(Command::Upgrade(duplex)) => duplex::discard(*duplex),
                },
                msg = super::upgrade::next_probe_message(&mut self.probe) => {
                    let _ = self.on_probe_message(msg).await;
                    if let Link::Stream(ws) = &mut self.link {
                        if let PollAnswer::Frames(mut frames) = answer {
                            // The close packet is polling's: a stream transport just closes.
                            frames.pop();
                            let limit = self.engine.config().heartbeat_window();
                            let _ = ws.send(frames, limit).await;
                        }
                        self.close_stream(None, "").await;
                        return;
                    }
                }
                _ = socket.0.wake.notified() => {
                    if self.engine.is_shutting_down() {
                        return;
                    }
                }
                _ = sleep_until(deadline) => return,
            }
        }
    }
}
