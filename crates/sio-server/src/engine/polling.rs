//! HTTP long-polling: the GET waiting for frames, POSTed messages handed to the handler, closing over
//! polling.
//!
//! The HTTP requests do the common work in their own tasks: a GET takes what is queued (or waits in
//! the session's [`PollSlot`] until [`EngineSocket::send`] wakes it), and a POST of messages hands them
//! to the handler itself. The session task only steps in for what it owns: the heartbeat, the
//! upgrade, POSTs carrying engine packets (pong, close) and the session's end (its part is in
//! `session/polling.rs`).

use super::slot::SessionSlot;
use super::socket::{recycle_batch, SocketState};
use super::{CloseReason, Engine, EngineHandler, EngineSocket, Transport};
use sio_protocol::engine::v3::EncodedPayload;
use sio_protocol::engine::{Frame, Packet};
use std::task::{Context, Poll, Waker};

/// What a waiting GET is answered with.
#[derive(Debug)]
pub(crate) enum PollAnswer {
    /// 200 with the payload of the frames that were queued (a drain).
    Queue(EncodedPayload),
    /// 200 with the session task's own frames (a noop, or the last frames and a close).
    Frames(Vec<Frame>),
    /// 400: the GET is not wanted (the session moved to websocket).
    Reject,
    /// The session ended without an answer for it.
    Gone,
}

/// The session's long-poll GET, in the state shared by the HTTP task serving it and the session task.
#[derive(Debug, Default)]
pub(crate) struct PollSlot {
    /// A GET waits for frames.
    pub(crate) waiting: bool,
    /// Its task, woken when frames are queued or an answer is set.
    waker: Option<Waker>,
    /// The session task's answer for it, not yet taken.
    answer: Option<PollAnswer>,
}

impl PollSlot {
    /// The waiting GET's waker, to wake once the state's lock is released.
    pub(crate) fn take_waker(&mut self) -> Option<Waker> {
        self.waker.take()
    }
}

/// Why a GET was not admitted as the session's poll.
pub(crate) enum PollRefused {
    /// Another GET is waiting: the session closes ("transport error").
    Overlap,
    /// The session is on websocket now.
    NotPolling,
    /// The session is over.
    Closed,
}

/// What became of a POST's messages.
pub(crate) enum Delivery {
    /// Handed to the handler.
    Delivered,
    /// Dropped: the session is closing.
    Closing,
    /// Refused: the session is on websocket now.
    NotPolling,
}

impl EngineSocket {
    /// Admits a GET as the session's waiting poll, waking the session task if it wants to know (a
    /// closing session answers it itself).
    pub(crate) fn begin_poll(&self) -> Result<(), PollRefused> {
        let tell_session = {
            let mut s = self.state();
            if s.closed {
                return Err(PollRefused::Closed);
            }
            if s.transport != Transport::Polling {
                return Err(PollRefused::NotPolling);
            }
            if s.poll.waiting {
                return Err(PollRefused::Overlap);
            }
            s.poll.waiting = true;
            s.poll.answer = None;
            s.close_request.is_some()
        };
        if tell_session {
            self.0.wake.notify();
        }
        Ok(())
    }

    /// The admitted GET's answer: the session task's, or everything queued once there is something
    /// and the session's end does not hold it back (an upgrade under way does not: polling carries
    /// the session until the client's `5`, as in engine.io).
    pub(crate) fn poll_answer(&self, cx: &mut Context<'_>) -> Poll<PollAnswer> {
        let mut s = self.state();
        let answer = if let Some(answer) = s.poll.answer.take() {
            answer
        } else if s.closed {
            PollAnswer::Gone
        } else if s.close_request.is_none() && !s.queue.is_empty() {
            // Encoded in place: the queue keeps its room for the next frames.
            let payload = self.wire().encode_payload(&s.queue);
            recycle_batch(&mut s.queue);
            PollAnswer::Queue(payload)
        } else {
            if !s
                .poll
                .waker
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                s.poll.waker = Some(cx.waker().clone());
            }
            return Poll::Pending;
        };
        s.poll.waiting = false;
        s.poll.waker = None;
        Poll::Ready(answer)
    }

    /// Answers the waiting GET (from the session task); gives the answer back if none waits.
    pub(crate) fn answer_poll(&self, answer: PollAnswer) -> Result<(), PollAnswer> {
        let waker = {
            let mut s = self.state();
            if !s.poll.waiting {
                return Err(answer);
            }
            s.poll.waiting = false;
            s.poll.answer = Some(answer);
            s.poll.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Answers the waiting GET with `frames` only if it is idle: nothing queued for it to take, and no
    /// answer set (engine.io's `writable`). Its task takes the answer when woken.
    pub(crate) fn answer_idle_poll(&self, frames: Vec<Frame>) {
        let waker = {
            let mut s = self.state();
            if !s.poll.waiting || !s.queue.is_empty() || s.poll.answer.is_some() {
                return;
            }
            s.poll.waiting = false;
            s.poll.answer = Some(PollAnswer::Frames(frames));
            s.poll.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Changes the shared state, then wakes the waiting GET (once the lock is released) to look at it
    /// again.
    pub(crate) fn update_waking_poll(&self, change: impl FnOnce(&mut SocketState)) {
        let poll = {
            let mut s = self.state();
            change(&mut s);
            s.poll.take_waker()
        };
        if let Some(poll) = poll {
            poll.wake();
        }
    }

    /// Forgets the waiting GET: its request went away unanswered.
    pub(crate) fn end_poll(&self) {
        self.state().poll = PollSlot::default();
    }

    /// Hands a POST's messages to the handler from the request's task, in the session's
    /// [delivery turn](SessionSlot). A handler that panics closes the session.
    pub(crate) fn deliver<H: EngineHandler>(
        &self,
        engine: &Engine<H>,
        slot: &SessionSlot<H::Session>,
        messages: Vec<Packet>,
    ) -> Delivery {
        let mut turn = slot.turn();
        {
            let s = self.state();
            if s.closed || s.close_request.is_some() {
                return Delivery::Closing;
            }
            if s.transport != Transport::Polling {
                return Delivery::NotPolling;
            }
        }
        let Some(value) = turn.as_mut() else {
            return Delivery::Closing;
        };
        let _closes_on_panic = ClosesOnPanic(self);
        for message in messages {
            engine.handler().on_message(self, value, message);
        }
        Delivery::Delivered
    }
}

/// Closes the session if a handler panics while a request's task delivers to it.
struct ClosesOnPanic<'a>(&'a EngineSocket);

impl Drop for ClosesOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            tracing::warn!(sid = %self.0.id(), "handler panicked, closing the session");
            self.0.close(CloseReason::TransportError);
        }
    }
}
