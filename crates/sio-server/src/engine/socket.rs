//! `EngineSocket`: the handle on one session, with its bounded outgoing queue.

use super::{CloseReason, RequestInfo, Transport};
use sio_protocol::engine::Frame;
use std::collections::VecDeque;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// Why [`EngineSocket::send`] refused frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The session is closed or closing.
    #[error("the session is closed")]
    Closed,
    /// The outgoing queue would exceed `max_buffered_frames`. None of the frames was queued, and the
    /// session is closed with [`CloseReason::TransportError`]: a client that cannot keep up is
    /// disconnected rather than buffered without bound. Check [`EngineSocket::is_writable`] first
    /// for packets that may be dropped instead (volatile).
    #[error("the outgoing queue is full")]
    Full,
}

/// State shared by the handle and the session task, behind a short-lived lock.
#[derive(Debug)]
pub(crate) struct SocketState {
    /// Frames waiting for the transport.
    pub queue: VecDeque<Frame>,
    /// A close asked for and not yet carried out by the task.
    pub close_request: Option<CloseReason>,
    /// Set by the task once the session is over.
    pub closed: bool,
    /// The current transport.
    pub transport: Transport,
    /// An upgrade is under way.
    pub upgrading: bool,
    /// Polling: a GET is waiting; websocket: always.
    pub ready: bool,
}

pub(crate) struct SocketInner {
    id: String,
    request: RequestInfo,
    max_buffered: usize,
    state: Mutex<SocketState>,
    /// Wakes the session task: frames queued or a close asked for.
    pub(crate) wake: Notify,
    /// A polling POST is being read.
    pub(crate) posting: AtomicBool,
}

/// One Engine.IO session. Cloning is cheap; equality and hashing go by session id.
#[derive(Clone)]
pub struct EngineSocket(pub(crate) Arc<SocketInner>);

impl EngineSocket {
    pub(crate) fn new(
        id: String,
        request: RequestInfo,
        transport: Transport,
        max_buffered: usize,
    ) -> Self {
        EngineSocket(Arc::new(SocketInner {
            id,
            request,
            max_buffered,
            state: Mutex::new(SocketState {
                queue: VecDeque::new(),
                close_request: None,
                closed: false,
                transport,
                upgrading: false,
                ready: transport == Transport::Websocket,
            }),
            wake: Notify::new(),
            posting: AtomicBool::new(false),
        }))
    }

    /// The 20-character session id.
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The request that opened the session.
    pub fn request(&self) -> &RequestInfo {
        &self.0.request
    }

    /// The current transport.
    pub fn transport(&self) -> Transport {
        self.state().transport
    }

    /// Queues frames atomically (all or none, in order); never blocks.
    ///
    /// A `Frame::Text` is a whole Engine.IO packet (`4...` for a message); `Frame::Binary` is a binary
    /// message. Fails with [`SendError::Closed`] once the session closes, and with [`SendError::Full`]
    /// when the queue would exceed `max_buffered_frames` (which also closes the session, see there).
    pub fn send(&self, frames: &[Frame]) -> Result<(), SendError> {
        {
            let mut s = self.state();
            if s.closed || s.close_request.is_some() {
                return Err(SendError::Closed);
            }
            if s.queue.len() + frames.len() > self.0.max_buffered {
                drop(s);
                tracing::warn!(sid = %self.id(), "outgoing queue full, closing the session");
                self.close(CloseReason::TransportError);
                return Err(SendError::Full);
            }
            s.queue.extend(frames.iter().cloned());
        }
        self.0.wake.notify_one();
        Ok(())
    }

    /// Whether a frame sent now would be written promptly (for volatile packets): the session is open,
    /// not upgrading, its transport is ready (a poll is waiting, or a websocket) and the queue is empty.
    pub fn is_writable(&self) -> bool {
        let s = self.state();
        !s.closed && s.close_request.is_none() && !s.upgrading && s.ready && s.queue.is_empty()
    }

    /// Closes the session: what is queued is flushed, then the transport closes; `on_close` fires once
    /// with `reason`. Does nothing if the session is already closing.
    pub fn close(&self, reason: CloseReason) {
        {
            let mut s = self.state();
            if s.closed || s.close_request.is_some() {
                return;
            }
            s.close_request = Some(reason);
        }
        self.0.wake.notify_one();
    }

    /// Whether the session is closed or closing.
    pub fn is_closed(&self) -> bool {
        let s = self.state();
        s.closed || s.close_request.is_some()
    }

    /// Locks the shared state; never held across an await.
    pub(crate) fn state(&self) -> MutexGuard<'_, SocketState> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a frame of the engine's own (ping, noop, open), outside the bound.
    pub(crate) fn push_control(&self, frame: Frame) {
        self.state().queue.push_back(frame);
    }

    /// Takes every queued frame.
    pub(crate) fn take_queue(&self) -> Vec<Frame> {
        self.state().queue.drain(..).collect()
    }
}

impl PartialEq for EngineSocket {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for EngineSocket {}

impl Hash for EngineSocket {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

impl fmt::Debug for EngineSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineSocket")
            .field("id", &self.0.id)
            .field("transport", &self.transport())
            .finish()
    }
}
