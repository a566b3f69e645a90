//! A namespace socket: emit, acks, modifiers and connection state, as the official client `Socket`.

mod emitter;
mod listeners;

pub use emitter::SocketEmitter;

use crate::ack::AckTx;
use crate::dispatch::{Dispatch, SocketShared};
use crate::error::{AckError, Error};
use crate::events::lock;
use crate::incoming::Event;
use crate::manager::{Cmd, Emit, EmitFlags, Manager};
use crate::options::Auth;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::parser::RESERVED_EVENTS;
use sio_protocol::socket::Packet;
use sio_protocol::value::{from_args, to_args};
use sio_protocol::Value;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::oneshot;

/// A socket for one namespace, multiplexed with the others of its [`Manager`] over one connection.
///
/// Cheap to clone; clones share the same socket. Modifiers (`timeout`, `volatile`, `compress`) return a
/// [`SocketEmitter`] that applies them to its emits only.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
///
/// let socket = sio_client::io("http://localhost:3000", Default::default())?;
/// socket.on("hello", |event| {
///     let name: String = event.data().unwrap_or_default();
///     println!("hello {name}");
///     let _ = event.ack("got it");
/// });
/// socket.connect().await?;
/// socket.emit("greet", &("world", 42))?;
/// let reply: String = socket
///     .timeout(Duration::from_secs(5))
///     .emit_with_ack("question", &"what time is it?")
///     .await?;
/// println!("{reply}");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Socket {
    shared: Arc<SocketShared>,
    manager: Manager,
    flags: EmitFlags,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("nsp", &self.shared.nsp)
            .field("id", &self.id())
            .field("connected", &self.connected())
            .finish()
    }
}

/// The answer to [`Socket::emit_with_ack`]: resolves with the server's ack arguments, read as `R`.
#[must_use = "the ack is only received when awaited"]
pub struct AckFuture<R> {
    rx: Option<oneshot::Receiver<Result<Vec<Value>, AckError>>>,
    early: Option<AckError>,
    _r: PhantomData<fn() -> R>,
}

impl<R: DeserializeOwned + 'static> Future for AckFuture<R> {
    type Output = Result<R, AckError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(e) = self.early.take() {
            return Poll::Ready(Err(e));
        }
        let Some(rx) = self.rx.as_mut() else {
            return Poll::Ready(Err(AckError::Send(Error::Closed)));
        };
        match Pin::new(rx).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(_)) => Poll::Ready(Err(AckError::Send(Error::Closed))),
            Poll::Ready(Ok(Err(e))) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(Ok(args))) => Poll::Ready(read_ack(args)),
        }
    }
}

/// Reads ack arguments as `R`: `Vec<Value>` takes every argument as it is (as the server's handlers do),
/// any other type goes through [`from_args`].
fn read_ack<R: DeserializeOwned + 'static>(args: Vec<Value>) -> Result<R, AckError> {
    let mut slot = Some(args);
    if let Some(same) = (&mut slot as &mut dyn std::any::Any).downcast_mut::<Option<R>>() {
        if let Some(args) = same.take() {
            return Ok(args);
        }
    }
    from_args(slot.unwrap_or_default()).map_err(AckError::Deserialize)
}

impl Socket {
    pub(crate) fn new(shared: Arc<SocketShared>, manager: Manager) -> Self {
        Socket {
            shared,
            manager,
            flags: EmitFlags::default(),
        }
    }

    /// The session id given by the server; `None` until connected, new after each reconnection.
    pub fn id(&self) -> Option<String> {
        lock(&self.shared.id).clone()
    }

    /// The namespace, e.g. `/` or `/admin`.
    pub fn nsp(&self) -> &str {
        &self.shared.nsp
    }

    /// Whether the socket is connected to its namespace.
    pub fn connected(&self) -> bool {
        self.shared.connected.load(Ordering::Acquire)
    }

    /// The opposite of [`Socket::connected`].
    pub fn disconnected(&self) -> bool {
        !self.connected()
    }

    /// Whether the socket is (or will be) trying to connect: false after `disconnect()`, after the server
    /// disconnected it, or after a middleware refused it.
    pub fn active(&self) -> bool {
        self.shared.active.load(Ordering::Acquire)
    }

    /// Whether the last connection recovered the previous session (connection state recovery).
    pub fn recovered(&self) -> bool {
        self.shared.recovered.load(Ordering::Acquire)
    }

    /// The manager (`socket.io` in JavaScript).
    pub fn manager(&self) -> &Manager {
        &self.manager
    }

    /// Starts connecting without waiting (`socket.open()`).
    pub fn open(&self) -> &Self {
        let _ = self.manager.send(Cmd::Connect {
            nsp: self.shared.nsp.clone(),
            done: None,
        });
        self
    }

    /// Connects and waits until the server accepted the namespace (its CONNECT reply). Fails with
    /// [`Error::Connect`] when a middleware refused, or with the transport error when reconnection is off
    /// or gave up. Returns at once when already connected.
    pub async fn connect(&self) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.manager.send(Cmd::Connect {
            nsp: self.shared.nsp.clone(),
            done: Some(tx),
        })?;
        rx.await.map_err(|_| Error::Closed)?
    }

    /// Disconnects (`io client disconnect`); no automatic reconnection. Closes the connection when no other
    /// socket of the manager is active.
    pub fn disconnect(&self) -> &Self {
        // later emits go through the manager's task, behind the DISCONNECT
        self.shared.set_link(None, false);
        self.shared.queued.fetch_add(1, Ordering::AcqRel);
        let sent = self.manager.send(Cmd::Disconnect {
            nsp: self.shared.nsp.clone(),
        });
        if sent.is_err() {
            self.shared.queued.fetch_sub(1, Ordering::AcqRel);
        }
        self
    }

    /// Synonym of [`Socket::disconnect`].
    pub fn close(&self) -> &Self {
        self.disconnect()
    }

    /// Replaces the auth payload used by the next CONNECT.
    pub fn set_auth(&self, auth: Auth) {
        let _ = self.manager.send(Cmd::SetAuth {
            nsp: self.shared.nsp.clone(),
            auth: Box::new(auth),
        });
    }

    /// An emitter whose acknowledgements wait at most `d`, then fail with [`AckError::Timeout`].
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// use sio_client::AckError;
    /// use std::time::Duration;
    /// match socket.timeout(Duration::from_secs(5)).emit_with_ack::<_, String>("my-event", &()).await {
    ///     Ok(answer) => println!("{answer}"),
    ///     Err(AckError::Timeout { .. }) => println!("the server did not acknowledge in time"),
    ///     Err(e) => println!("{e}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn timeout(&self, d: Duration) -> SocketEmitter {
        SocketEmitter(self.clone()).timeout(d)
    }

    /// An emitter whose events are dropped when the socket is not connected or the transport is busy.
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// socket.volatile().emit("position", &(10, 20))?; // may be dropped
    /// # Ok(()) }
    /// ```
    pub fn volatile(&self) -> SocketEmitter {
        SocketEmitter(self.clone()).volatile()
    }

    /// An emitter with the compression flag set, kept for API parity: with
    /// [`per_message_deflate`](crate::Options::per_message_deflate) on, messages are compressed by
    /// size alone (from its threshold up), whatever this flag says.
    pub fn compress(&self, compress: bool) -> SocketEmitter {
        SocketEmitter(self.clone()).compress(compress)
    }

    /// Emits an event. `data` gives the arguments: a tuple is several arguments, `()` none, anything else
    /// one. Binary (`bytes::Bytes`, `serde_bytes`) may appear at any depth. Buffered while disconnected.
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// socket.emit("hello", "world")?; // one argument
    /// socket.emit("with-binary", &(1, "2", sio_client::value!({"3": "4", "5": bytes::Bytes::from_static(&[6, 7, 8])})))?;
    /// socket.emit("nothing", &())?; // no argument
    /// # Ok(()) }
    /// ```
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        let args = to_args(data)?;
        self.emit_args(event, args)
    }

    /// Emits an event with dynamic arguments.
    pub fn emit_args(&self, event: &str, args: Vec<Value>) -> Result<(), Error> {
        self.send_emit(event, args, None)
    }

    /// Emits a `message` event (`socket.send`).
    pub fn send<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), Error> {
        self.emit("message", data)
    }

    /// Emits an event and returns a future of the server's answer, read as `R` (a tuple for several
    /// arguments, `Vec<Value>` for all of them dynamically). The event leaves when this is called, not
    /// when the future is polled.
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// let answer: String = socket.emit_with_ack("hello", "world").await?;
    /// let (a, b): (u32, bool) = socket.emit_with_ack("two answers", &()).await?;
    /// # let _ = (answer, a, b);
    /// # Ok(()) }
    /// ```
    pub fn emit_with_ack<T: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        event: &str,
        data: &T,
    ) -> AckFuture<R> {
        match to_args(data) {
            Ok(args) => self.emit_args_with_ack(event, args),
            Err(e) => AckFuture {
                rx: None,
                early: Some(AckError::Send(Error::Serde(e))),
                _r: PhantomData,
            },
        }
    }

    /// [`Socket::emit_with_ack`] with dynamic arguments.
    pub fn emit_args_with_ack<R: DeserializeOwned>(
        &self,
        event: &str,
        args: Vec<Value>,
    ) -> AckFuture<R> {
        let (tx, rx) = oneshot::channel();
        match self.send_emit(event, args, Some(tx)) {
            Ok(()) => AckFuture {
                rx: Some(rx),
                early: None,
                _r: PhantomData,
            },
            Err(e) => AckFuture {
                rx: None,
                early: Some(AckError::Send(e)),
                _r: PhantomData,
            },
        }
    }

    fn send_emit(&self, event: &str, args: Vec<Value>, ack: Option<AckTx>) -> Result<(), Error> {
        if RESERVED_EVENTS.contains(&event) {
            return Err(Error::ReservedEvent(event.to_owned()));
        }
        let direct = ack.is_none() && !self.flags.volatile && self.manager.retries() == 0;
        let args = if direct {
            self.emit_direct(event, args)?
        } else {
            Some(args)
        };
        let Some(args) = args else {
            return Ok(());
        };
        let cap = self.manager.bounds().buffered_emits;
        let queued = self.shared.queued.load(Ordering::Acquire);
        let waiting = self.shared.buffered.load(Ordering::Acquire) + queued;
        let acks = self.shared.pending_acks.load(Ordering::Acquire) + queued;
        if (!self.flags.volatile && waiting >= cap) || (ack.is_some() && acks >= cap) {
            return Err(Error::SendBufferFull);
        }
        self.shared.queued.fetch_add(1, Ordering::AcqRel);
        let sent = self.manager.send(Cmd::Emit(Box::new(Emit {
            nsp: self.shared.nsp.clone(),
            event: event.to_owned(),
            args,
            flags: self.flags,
            ack,
        })));
        if sent.is_err() {
            self.shared.queued.fetch_sub(1, Ordering::AcqRel);
        }
        sent
    }

    /// Encodes a plain emit and queues it on the engine at once when the socket is connected and none of
    /// its emits waits on the manager's task; gives the arguments back otherwise.
    fn emit_direct(&self, event: &str, args: Vec<Value>) -> Result<Option<Vec<Value>>, Error> {
        let link = lock(&self.shared.link);
        let Some(engine) = link.as_ref() else {
            return Ok(Some(args));
        };
        if self.shared.queued.load(Ordering::Acquire) != 0 {
            return Ok(Some(args));
        }
        if self.shared.observes_outgoing.load(Ordering::Acquire) {
            self.shared.dispatch(Dispatch::Outgoing(Event {
                name: event.to_owned(),
                args: args.clone(),
                ack: None,
            }));
        }
        let packet = Packet::event(self.shared.nsp.as_str(), event, args);
        let encoded = self.manager.parser().encode(&packet)?;
        match engine.send(encoded.frames) {
            // the session just ended: the manager's task buffers what follows
            Ok(()) | Err(Error::Closed) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
