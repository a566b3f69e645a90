//! The session task: one task per session, selecting over its transport, its queue and its timers. By
//! concern beside it: the heartbeat, the upgrade, its part of long-polling and the stream transports.

use super::duplex::Duplex;
use super::polling::PollAnswer;
use super::slot::SessionSlot;
use super::websocket::ReadError;
use super::{CloseReason, Engine, EngineHandler, EngineSocket};
use futures_util::FutureExt;
use heartbeat::{Beat, Heartbeat};
use sio_protocol::engine::{Frame, Packet, PacketType};
use sio_protocol::websocket::Message;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep_until, Instant, Sleep};
use upgrade::Probe;

mod heartbeat;
mod polling;
mod stream;
mod upgrade;

/// Websocket messages handled in a row, when they are already there, before queued frames are written.
const READ_BATCH: usize = 64;

/// What the HTTP side hands to a session task.
pub(crate) enum Command {
    /// A polling POST carrying engine packets was read and decoded (boxed to keep every slot of the
    /// channel small).
    Data(Box<PostedData>),
    /// A websocket or WebTransport stream for this session was opened (an upgrade attempt).
    Upgrade(Box<Duplex>),
}

/// The packets of a polling POST; `parse_error` if its tail did not decode.
pub(crate) struct PostedData {
    pub(crate) packets: Vec<Packet>,
    pub(crate) parse_error: bool,
    pub(crate) reply: oneshot::Sender<bool>,
}

/// The transport currently carrying the session.
pub(crate) enum Link {
    /// Long-polling: the requests' own tasks carry the frames (see `polling`).
    Polling,
    /// A websocket or a WebTransport stream.
    Stream(Duplex),
}

/// What woke the session task.
enum Event {
    Wake,
    Timer,
    Command(Option<Command>),
    Stream(Result<Message, ReadError>),
    Probe(Result<Message, ReadError>),
    PingTimeout,
    UpgradeTimeout,
    UpgradeNoop,
}

/// A session just registered, for its task to start.
pub(crate) struct NewSession<S> {
    pub(crate) socket: EngineSocket,
    pub(crate) slot: Arc<SessionSlot<S>>,
    /// The HTTP requests handed over (polling sessions only).
    pub(crate) commands: Option<mpsc::Receiver<Command>>,
}

/// The state a session task owns.
pub(crate) struct Session<H: EngineHandler> {
    pub(crate) engine: Arc<Engine<H>>,
    pub(crate) socket: EngineSocket,
    /// The handler's value for the session, behind its delivery turn.
    pub(crate) slot: Arc<SessionSlot<H::Session>>,
    /// HTTP requests handed over (polling sessions only).
    pub(crate) commands: Option<mpsc::Receiver<Command>>,
    pub(crate) heartbeat: Heartbeat,
    /// The handler's deadline for the session ([`EngineHandler::deadline`]) until it passes.
    pub(crate) deadline: Option<Instant>,
    /// The timer of the heartbeat and the handler's deadline, whichever is first; kept across events
    /// and reset only when that moves: a fresh `Sleep` per event would enter and leave the timer wheel
    /// (under its lock) for every message.
    pub(crate) timer: Pin<Box<Sleep>>,
    pub(crate) link: Link,
    /// The websocket batch being written, swapped with the socket's queue (reused, not reallocated).
    pub(crate) batch: VecDeque<Frame>,
    /// Boxed: rare, and large (a whole websocket).
    pub(crate) probe: Option<Box<Probe>>,
}

/// When the session's timer is next due: the heartbeat's deadline, or the handler's when earlier.
fn due(heartbeat: &Heartbeat, deadline: Option<Instant>) -> Instant {
    let beat = heartbeat.deadline();
    deadline.map_or(beat, |d| d.min(beat))
}

/// A step's outcome: go on, or the session ends with a reason (the transport already told).
pub(crate) type Step = Result<(), CloseReason>;

/// A rare step's future (a close, an upgrade probe, a POST with more than messages), boxed: the session
/// task's future lives as long as the session and is as large as its largest step, so only the frequent
/// steps (read a message, write a batch, wait) are kept inline.
pub(crate) type Cold<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl<H: EngineHandler> Session<H> {
    /// Reports the session open and starts its task; its open packet is queued or already answered.
    pub(crate) fn spawn(engine: Arc<Engine<H>>, new: NewSession<H::Session>, link: Link) {
        tokio::spawn(Self::start(engine, new, link));
    }

    /// Reports the session open, and returns what runs it, for a task that has nothing else to do
    /// (one spawn per session, not two, where the handshake already runs on a task of its own).
    pub(crate) fn start(
        engine: Arc<Engine<H>>,
        new: NewSession<H::Session>,
        link: Link,
    ) -> impl Future<Output = ()> + Send {
        let NewSession {
            socket,
            slot,
            commands,
        } = new;
        let config = engine.config();
        let heartbeat = if socket.wire().is_v3() {
            Heartbeat::client_driven(config.ping_interval, config.ping_timeout)
        } else {
            Heartbeat::new(config.ping_interval, config.ping_timeout)
        };
        let value = engine.handler().on_open(&socket);
        let deadline = engine.handler().deadline(&value);
        let timer = Box::pin(sleep_until(due(&heartbeat, deadline)));
        let session = Session {
            engine,
            socket,
            slot,
            commands,
            heartbeat,
            deadline,
            timer,
            link,
            batch: VecDeque::new(),
            probe: None,
        };
        // Before any request can reach the session: a POST hands its messages over on its own task.
        *session.slot.turn() = Some(value);
        // What the session task logs (and the Socket.IO layer under it) is in the session's span.
        let span = tracing::debug_span!("engine", sid = %session.socket.id());
        tracing::Instrument::instrument(session.run(), span)
    }

    // Not an `async fn`: that would store the session twice in the task (the argument, and the
    // binding it is moved into); the block keeps it once, in place.
    #[allow(clippy::manual_async_fn)]
    fn run(mut self) -> impl std::future::Future<Output = ()> + Send {
        async move {
            let reason = loop {
                let requested = self.socket.state().close_request;
                if let Some(reason) = requested {
                    break self.close_requested(reason).await;
                }
                if let Err(reason) = self.flush().await {
                    break reason;
                }
                let mut event = self.next_event().await;
                if self.heartbeat.overdue() {
                    // A timer that fired late must not let a request slip in after the deadline.
                    event = Event::PingTimeout;
                }
                let from_stream = matches!(event, Event::Stream(Ok(_)));
                if let Err(reason) = self.on_event(event).await {
                    break reason;
                }
                if from_stream {
                    if let Err(reason) = self.read_ready_messages().await {
                        break reason;
                    }
                }
            };
            self.finish(reason);
        }
    }

    async fn next_event(&mut self) -> Event {
        let due = due(&self.heartbeat, self.deadline);
        if self.timer.deadline() != due {
            self.timer.as_mut().reset(due);
        }
        let Session {
            socket,
            commands,
            timer,
            link,
            probe,
            ..
        } = self;
        tokio::select! {
            biased;
            _ = socket.0.wake.notified() => Event::Wake,
            _ = timer.as_mut() => Event::Timer,
            event = link_event(link) => event,
            cmd = recv_some(commands) => Event::Command(cmd),
            event = upgrade::next_probe_event(probe) => event,
        }
    }

    async fn on_event(&mut self, event: Event) -> Step {
        match event {
            Event::Wake => Ok(()),
            Event::Timer => self.on_timer().await,
            Event::PingTimeout => Err(self.abort(CloseReason::PingTimeout).await),
            Event::Command(None) => Ok(()),
            Event::Command(Some(Command::Data(data))) => {
                let PostedData {
                    packets,
                    parse_error,
                    reply,
                } = *data;
                self.on_data(packets, parse_error, reply).await
            }
            Event::Command(Some(Command::Upgrade(ws))) => {
                self.on_upgrade_request(*ws);
                Ok(())
            }
            Event::Stream(msg) => self.on_stream_message(msg).await,
            Event::Probe(msg) => self.on_probe_message(msg).await,
            Event::UpgradeTimeout => {
                tracing::debug!(sid = %self.socket.id(), "upgrade timed out");
                self.cancel_upgrade();
                Ok(())
            }
            Event::UpgradeNoop => {
                self.check_idle_poll();
                Ok(())
            }
        }
    }

    /// The timer fired: the handler's deadline passed, or the heartbeat's, or both.
    async fn on_timer(&mut self) -> Step {
        let now = Instant::now();
        if self.deadline.is_some_and(|d| d <= now) {
            self.deadline = None;
            self.report(H::on_deadline);
        }
        if self.heartbeat.deadline() > now {
            return Ok(());
        }
        match self.heartbeat.fire() {
            Beat::Ping => {
                self.socket.push_control(Frame::text(PacketType::Ping, ""));
                Ok(())
            }
            Beat::Timeout => Err(self.abort(CloseReason::PingTimeout).await),
        }
    }

    /// Handles the websocket messages already received (up to [`READ_BATCH`]) before the loop
    /// flushes, so that the answers to a burst of messages go out in one write, not one each.
    async fn read_ready_messages(&mut self) -> Step {
        for _ in 0..READ_BATCH {
            let Some(msg) = next_message(&mut self.link).now_or_never() else {
                return Ok(());
            };
            self.on_stream_message(msg).await?;
        }
        Ok(())
    }

    /// Hands one incoming packet to the session; an error ends it.
    pub(crate) async fn on_packet(&mut self, packet: Packet) -> Step {
        match packet {
            Packet::Message(_) | Packet::Binary(_) => {
                if let Some(value) = self.slot.turn().as_mut() {
                    self.engine
                        .handler()
                        .on_message(&self.socket, value, packet);
                }
                Ok(())
            }
            Packet::Pong(_) | Packet::Ping(_) => self.on_heartbeat_packet(packet).await,
            Packet::Close => Err(self.abort(CloseReason::TransportClose).await),
            Packet::Open(_) | Packet::Upgrade | Packet::Noop => Ok(()),
        }
    }

    /// Writes what is queued to a websocket (a polling GET takes the queue itself).
    async fn flush(&mut self) -> Step {
        match &mut self.link {
            Link::Stream(_) => self.flush_stream().await,
            Link::Polling => Ok(()),
        }
    }

    /// Carries out a close asked for through [`EngineSocket::close`]: flush, then close the transport.
    fn close_requested(&mut self, reason: CloseReason) -> Cold<'_, CloseReason> {
        Box::pin(async move {
            match &mut self.link {
                Link::Stream(_) => {
                    let _ = self.flush_stream().await;
                    self.close_stream(None, "").await;
                    reason
                }
                Link::Polling => self.close_polling(reason).await,
            }
        })
    }

    /// Ends the session on an error or a close from the client, telling the transport.
    pub(crate) fn abort(&mut self, reason: CloseReason) -> Cold<'_, CloseReason> {
        Box::pin(async move {
            self.cancel_upgrade();
            match &mut self.link {
                Link::Stream(_) => self.close_stream(None, "").await,
                Link::Polling => {
                    // The client's own `1` is answered with a noop, any other end with a close packet.
                    let kind = if reason == CloseReason::TransportClose {
                        PacketType::Noop
                    } else {
                        PacketType::Close
                    };
                    let _ = self
                        .socket
                        .answer_poll(PollAnswer::Frames(vec![Frame::text(kind, "")]));
                }
            }
            reason
        })
    }

    /// Marks the session closed, unregisters it and reports the close with the handler's value.
    fn finish(self, reason: CloseReason) {
        let value = mark_closed(&self.socket, &self.slot);
        tracing::debug!(sid = %self.socket.id(), %reason, "session closed");
        self.engine.remove_session(self.socket.id());
        if let Some(value) = value {
            self.engine.handler().on_close(&self.socket, value, reason);
        }
    }

    /// Reports an event of the handler's (upgrade, drain, heartbeat) in the session's turn.
    pub(crate) fn report(&self, event: fn(&H, &EngineSocket, &mut H::Session)) {
        if let Some(value) = self.slot.turn().as_mut() {
            event(self.engine.handler(), &self.socket, value);
        }
    }

    /// Switches the session to the stream transport that completed an upgrade.
    pub(crate) fn switch_to_stream(&mut self, duplex: Duplex) {
        let transport = duplex.transport();
        self.link = Link::Stream(duplex);
        {
            let _turn = self.slot.turn();
            let mut s = self.socket.state();
            s.transport = transport;
        }
        let _ = self.socket.answer_poll(PollAnswer::Reject);
        self.report(H::on_upgrade);
    }
}

impl<H: EngineHandler> Drop for Session<H> {
    /// A session task that ends without [`finish`](Session::finish) (a handler panicked, or the
    /// runtime dropped the task) still leaves the registry, so that nothing waits for it forever.
    fn drop(&mut self) {
        if self.socket.state().closed {
            return;
        }
        // The handler's value is dropped unreported: its handler may be what failed.
        let _value = mark_closed(&self.socket, &self.slot);
        tracing::warn!(sid = %self.socket.id(), "session task ended without closing the session");
        self.engine.remove_session(self.socket.id());
    }
}

/// Marks the session over in its delivery turn (no POST hands a message over after this), wakes a GET
/// still waiting so that it ends too, and takes the handler's value out of the slot.
fn mark_closed<S>(socket: &EngineSocket, slot: &SessionSlot<S>) -> Option<S> {
    let mut turn = slot.turn();
    socket.update_waking_poll(|s| {
        s.closed = true;
        s.queue.clear();
    });
    turn.take()
}

/// The next message of a stream link (never resolves on polling).
async fn next_message(link: &mut Link) -> Result<Message, ReadError> {
    match link {
        Link::Stream(duplex) => std::future::poll_fn(|cx| duplex.poll_message(cx)).await,
        Link::Polling => std::future::pending().await,
    }
}

/// The next event of a stream link (never resolves on polling).
async fn link_event(link: &mut Link) -> Event {
    match link {
        Link::Stream(_) => Event::Stream(next_message(link).await),
        Link::Polling => std::future::pending().await,
    }
}

/// The next command, if the session has a command channel (never resolves otherwise).
pub(crate) async fn recv_some(commands: &mut Option<mpsc::Receiver<Command>>) -> Option<Command> {
    match commands {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
