//! `EngineSocket`: the handle on one session, with its bounded outgoing queue.

use super::polling::PollSlot;
use super::protocol::Protocol;
use super::uncompressed::{BatchFlags, UncompressedFrames};
use super::{CloseReason, RequestInfo, Transport};
use futures_util::task::AtomicWaker;
use sio_protocol::engine::Frame;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;

/// Frames of room a written batch keeps for the next one; what a burst added beyond is given back.
const KEPT_BATCH_CAPACITY: usize = 64;

/// Empties a written batch (or a polling queue just answered) for reuse, shrinking it after a burst.
pub(crate) fn recycle_batch(batch: &mut VecDeque<Frame>) {
    batch.clear();
    if batch.capacity() > KEPT_BATCH_CAPACITY {
        batch.shrink_to(KEPT_BATCH_CAPACITY);
    }
}

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
    /// Polling: the GET waiting for frames, if any.
    pub poll: PollSlot,
    /// Which queued frames were sent with `compress(false)`.
    pub uncompressed: UncompressedFrames,
}

impl SocketState {
    /// Whether the transport can take frames now: a websocket, or a waiting GET.
    fn ready(&self) -> bool {
        self.transport != Transport::Polling || self.poll.waiting
    }
}

/// Wakes the one session task: a flag and the task's waker, lock-free on both sides (a `Notify`
/// would take its waiter-list lock on every send and on every event the task waits for).
#[derive(Default)]
pub(crate) struct Wake {
    flag: AtomicBool,
    waker: AtomicWaker,
}

impl Wake {
    /// Wakes the task, or makes its next [`notified`](Self::notified) resolve at once.
    pub(crate) fn notify(&self) {
        self.flag.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Resolves once [`notify`](Self::notify) was called since it last resolved; for the session
    /// task only (one waiter).
    pub(crate) fn notified(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            if self.flag.swap(false, Ordering::AcqRel) {
                return Poll::Ready(());
            }
            self.waker.register(cx.waker());
            if self.flag.swap(false, Ordering::AcqRel) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

pub(crate) struct SocketInner {
    id: String,
    request: Arc<RequestInfo>,
    protocol: Protocol,
    max_buffered: usize,
    state: Mutex<SocketState>,
    /// Wakes the session task: frames queued or a close asked for.
    pub(crate) wake: Wake,
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
        protocol: Protocol,
        max_buffered: usize,
    ) -> Self {
        EngineSocket(Arc::new(SocketInner {
            id,
            request: Arc::new(request),
            protocol,
            max_buffered,
            state: Mutex::new(SocketState {
                queue: VecDeque::new(),
                close_request: None,
                closed: false,
                transport,
                poll: PollSlot::default(),
                uncompressed: UncompressedFrames::default(),
            }),
            wake: Wake::default(),
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

    /// The request that opened the session, to share rather than copy.
    pub(crate) fn shared_request(&self) -> &Arc<RequestInfo> {
        &self.0.request
    }

    /// The Engine.IO protocol revision the session speaks (engine.io's `socket.protocol`): 4, or 3 for
    /// a client of Socket.IO 2.x (see [`EngineConfig::allow_eio3`](super::EngineConfig::allow_eio3)).
    pub fn protocol(&self) -> u8 {
        self.0.protocol.revision()
    }

    /// The revision and its framing.
    pub(crate) fn wire(&self) -> Protocol {
        self.0.protocol
    }

    /// The current transport.
    pub fn transport(&self) -> Transport {
        self.state().transport
    }

    /// Queues frames atomically (all or none, in order); never blocks.
    ///
    /// On websocket the session task writes them; on polling the waiting GET (or the next one) takes
    /// everything queued by the time it runs.
    ///
    /// A `Frame::Text` is a whole Engine.IO packet (`4...` for a message); `Frame::Binary` is a binary
    /// message. Fails with [`SendError::Closed`] once the session closes, and with [`SendError::Full`]
    /// when the queue would exceed `max_buffered_frames` (which also closes the session, see there).
    pub fn send(&self, frames: &[Frame]) -> Result<(), SendError> {
        self.send_with(frames, true)
    }

    /// [`send`](Self::send) with the `compress` flag of engine.io's `socket.send(data, { compress })`:
    /// with `false` the frames never use permessage-deflate; with `true` (what `send` gives) they are
    /// compressed when the websocket negotiated it and they reach its threshold. Polling ignores it.
    pub fn send_with(&self, frames: &[Frame], compress: bool) -> Result<(), SendError> {
        self.push(frames.iter().cloned(), compress)
    }

    /// [`send_with`](Self::send_with) for frames no one else holds: they move to the queue, which
    /// spares each a reference count (and the first one its shared header).
    pub(crate) fn send_owned(&self, frames: Vec<Frame>, compress: bool) -> Result<(), SendError> {
        self.push(frames.into_iter(), compress)
    }

    fn push(
        &self,
        frames: impl ExactSizeIterator<Item = Frame>,
        compress: bool,
    ) -> Result<(), SendError> {
        let was_empty = {
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
            let queue_len = s.queue.len();
            s.uncompressed.queued(frames.len(), compress, queue_len);
            s.queue.extend(frames);
            if s.transport == Transport::Polling {
                let poll = s.poll.take_waker();
                drop(s);
                if let Some(poll) = poll {
                    poll.wake();
                }
                return Ok(());
            }
            queue_len == 0
        };
        // Frames already waiting mean a wake-up is pending: the session task drains the whole queue
        // before it waits again. Not waking it twice spares a broadcast an atomic write per socket
        // on a cache line the session's core owns.
        if was_empty {
            self.0.wake.notify();
        }
        Ok(())
    }

    /// Whether a frame sent now would be written promptly (for volatile packets): the session is open,
    /// its transport is ready (a poll is waiting, or a websocket) and the queue is empty. As engine.io's
    /// `transport.writable`, an upgrade under way does not matter: polling carries the session until
    /// the upgrade completes.
    pub fn is_writable(&self) -> bool {
        let s = self.state();
        !s.closed && s.close_request.is_none() && s.ready() && s.queue.is_empty()
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
        self.0.wake.notify();
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

    /// Queues a frame of the engine's own (ping, open), outside the bound.
    pub(crate) fn push_control(&self, frame: Frame) {
        self.update_waking_poll(|s| {
            let queue_len = s.queue.len();
            s.uncompressed.queued(1, true, queue_len);
            s.queue.push_back(frame);
        });
    }

    /// Takes every queued frame; the queue starts over without the capacity a burst gave it.
    pub(crate) fn take_queue(&self) -> Vec<Frame> {
        Vec::from(std::mem::take(&mut self.state().queue))
    }

    /// Exchanges the queue with `batch` (empty, recycled with [`recycle_batch`]): the queued frames
    /// move out in O(1) and without allocating, and `batch`'s buffer becomes the queue. Returns the
    /// frames' `compress` flags.
    pub(crate) fn swap_queue(&self, batch: &mut VecDeque<Frame>) -> BatchFlags {
        debug_assert!(batch.is_empty());
        let mut s = self.state();
        std::mem::swap(&mut s.queue, batch);
        s.uncompressed.take(batch.len())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn socket() -> EngineSocket {
        let info = RequestInfo::new(
            http::Method::GET,
            http::Uri::from_static("/"),
            &http::HeaderMap::new(),
            None,
            false,
        );
        EngineSocket::new(
            "sid".into(),
            info,
            Transport::Websocket,
            Protocol::V4,
            10_000,
        )
    }

    #[test]
    fn a_burst_leaves_no_large_buffers_behind() {
        let socket = socket();
        let mut batch = VecDeque::new();
        let burst = vec![Frame::message("x"); 5_000];
        socket.send(&burst).unwrap();
        socket.swap_queue(&mut batch);
        assert_eq!(batch.len(), 5_000);
        recycle_batch(&mut batch);
        assert!(batch.capacity() <= KEPT_BATCH_CAPACITY);
        socket.send(&burst).unwrap();
        let taken = socket.take_queue();
        assert_eq!(taken.len(), 5_000);
        assert!(socket.state().queue.capacity() <= KEPT_BATCH_CAPACITY);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn wake_is_kept_until_waited_for_and_wakes_a_waiting_task() {
        let wake = Arc::new(Wake::default());
        wake.notify();
        wake.notified().await;
        for _ in 0..100 {
            let waiter = tokio::spawn({
                let wake = wake.clone();
                async move { wake.notified().await }
            });
            tokio::task::yield_now().await;
            wake.notify();
            tokio::time::timeout(std::time::Duration::from_secs(10), waiter)
                .await
                .expect("woken")
                .unwrap();
        }
    }

    #[test]
    fn only_a_send_onto_an_empty_queue_wakes_the_session() {
        let socket = socket();
        let woken = |socket: &EngineSocket| socket.0.wake.flag.swap(false, Ordering::AcqRel);
        socket.send(&[Frame::message("a")]).unwrap();
        assert!(woken(&socket));
        // The session has not drained yet: the wake-up it owes covers this frame too.
        socket.send(&[Frame::message("b")]).unwrap();
        assert!(!woken(&socket));
        let mut batch = VecDeque::new();
        socket.swap_queue(&mut batch);
        assert_eq!(batch.len(), 2);
        socket.send(&[Frame::message("c")]).unwrap();
        assert!(woken(&socket));
    }

    #[test]
    fn batches_alternate_without_losing_order() {
        let socket = socket();
        let mut batch = VecDeque::new();
        socket
            .send(&[Frame::message("a"), Frame::message("b")])
            .unwrap();
        socket.swap_queue(&mut batch);
        socket.send(&[Frame::message("c")]).unwrap();
        assert_eq!(
            Vec::from(batch.clone()),
            vec![Frame::message("a"), Frame::message("b")]
        );
        recycle_batch(&mut batch);
        socket.swap_queue(&mut batch);
        assert_eq!(Vec::from(batch), vec![Frame::message("c")]);
    }
}
