//! A namespace socket: emit, listen, acks, and its connection state, as the official client `Socket`.

use crate::ack::{AckSender, AckTx};
use crate::dispatch::{Dispatch, SocketShared};
use crate::error::{AckError, ConnectError, Error};
use crate::events::{lock, ListenerId};
use crate::incoming::Event;
use crate::manager::{Cmd, EmitFlags, Manager};
use crate::options::Auth;
use crate::reason::DisconnectReason;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::parser::RESERVED_EVENTS;
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
/// clone that applies them to its emits only.
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

impl<R: DeserializeOwned> Future for AckFuture<R> {
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
            Poll::Ready(Ok(Ok(args))) => {
                Poll::Ready(from_args(args).map_err(|e| AckError::Deserialize(e.to_string())))
            }
        }
    }
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
        let _ = self.manager.send(Cmd::Disconnect {
            nsp: self.shared.nsp.clone(),
        });
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
            auth,
        });
    }

    /// A clone whose emits wait at most `d` for their ack, then fail with [`AckError::Timeout`].
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// use sio_client::AckError;
    /// use std::time::Duration;
    /// match socket.timeout(Duration::from_secs(5)).emit_with_ack::<_, String>("my-event", &()).await {
    ///     Ok(answer) => println!("{answer}"),
    ///     Err(AckError::Timeout(_)) => println!("the server did not acknowledge in time"),
    ///     Err(e) => println!("{e}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn timeout(&self, d: Duration) -> Socket {
        let mut s = self.clone();
        s.flags.timeout = Some(d);
        s
    }

    /// A clone whose emits are dropped when the socket is not connected or the transport is busy.
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// socket.volatile().emit("position", &(10, 20))?; // may be dropped
    /// # Ok(()) }
    /// ```
    pub fn volatile(&self) -> Socket {
        let mut s = self.clone();
        s.flags.volatile = true;
        s
    }

    /// A clone with the compression flag set (kept for API parity; this client does not compress).
    pub fn compress(&self, compress: bool) -> Socket {
        let mut s = self.clone();
        s.flags.compress = Some(compress);
        s
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
        let args = to_args(data).map_err(|e| Error::Serde(e.to_string()))?;
        self.emit_values(event, args)
    }

    /// Emits an event with dynamic arguments.
    pub fn emit_values(&self, event: &str, args: Vec<Value>) -> Result<(), Error> {
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
            Ok(args) => self.emit_values_with_ack(event, args),
            Err(e) => AckFuture {
                rx: None,
                early: Some(AckError::Send(Error::Serde(e.to_string()))),
                _r: PhantomData,
            },
        }
    }

    /// [`Socket::emit_with_ack`] with dynamic arguments.
    pub fn emit_values_with_ack<R: DeserializeOwned>(
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
            return Err(Error::Encode(format!(
                "\"{event}\" is a reserved event name"
            )));
        }
        self.manager.send(Cmd::Emit {
            nsp: self.shared.nsp.clone(),
            event: event.to_owned(),
            args,
            flags: self.flags,
            ack,
        })
    }

    fn add(&self, event: &str, once: bool, f: Arc<dyn Fn(Event) + Send + Sync>) -> ListenerId {
        lock(&self.shared.listeners).named.add(event, once, f)
    }

    /// Registers a handler for an event (or for `connect`, `disconnect`, `connect_error`). Handlers run on
    /// the socket's own task, in order, never on the connection's: a slow handler delays later events of
    /// this socket but never the reading or the heartbeat.
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// socket.on("news", |event| {
    ///     println!("{} got {:?}", event.name, event.args);
    ///     // answer the server when it asked for an acknowledgement
    ///     let _ = event.ack("got it");
    /// });
    /// # Ok(()) }
    /// ```
    pub fn on(&self, event: &str, f: impl Fn(Event) + Send + Sync + 'static) -> ListenerId {
        self.add(event, false, Arc::new(f))
    }

    /// Registers a handler with typed arguments (a tuple for several). When the arguments do not match,
    /// the handler is not called and a `handler_error` is reported (see [`Socket::on_handler_error`]).
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// #[derive(serde::Deserialize)]
    /// struct Message { username: String, message: String }
    ///
    /// socket.on_typed::<Message>("new message", |m, _ack| println!("{}: {}", m.username, m.message));
    /// socket.on_typed::<(String, u32)>("score", |(who, points), ack| {
    ///     if let Some(ack) = ack { let _ = ack.send(&points); }
    ///     println!("{who}: {points}");
    /// });
    /// socket.on_handler_error(|event, err| eprintln!("bad {event} payload: {err}"));
    /// # Ok(()) }
    /// ```
    pub fn on_typed<T: DeserializeOwned + 'static>(
        &self,
        event: &str,
        f: impl Fn(T, Option<AckSender>) + Send + Sync + 'static,
    ) -> ListenerId {
        let shared = Arc::downgrade(&self.shared);
        self.on(event, move |e: Event| match from_args::<T>(e.args.clone()) {
            Ok(v) => f(v, e.ack),
            Err(err) => {
                tracing::warn!(event = %e.name, error = %err, "event arguments do not match the handler");
                if let Some(s) = shared.upgrade() {
                    s.dispatch(Dispatch::Reserved(Event {
                        name: "handler_error".into(),
                        args: vec![Value::String(e.name), Value::String(err.to_string())],
                        ack: None,
                    }));
                }
            }
        })
    }

    /// Called with the event name and the error when an [`Socket::on_typed`] handler got arguments of the
    /// wrong type.
    pub fn on_handler_error(
        &self,
        f: impl Fn(String, String) + Send + Sync + 'static,
    ) -> ListenerId {
        self.on("handler_error", move |e| {
            let (event, err): (String, String) = e.data().unwrap_or_default();
            f(event, err)
        })
    }

    /// Like [`Socket::on`], removed after the first call.
    pub fn once(&self, event: &str, f: impl Fn(Event) + Send + Sync + 'static) -> ListenerId {
        self.add(event, true, Arc::new(f))
    }

    /// Removes one listener (`Some(event), Some(id)`), all listeners of an event (`Some(event), None`) or
    /// every listener (`None, _`).
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// let id = socket.on("my-event", |_| {});
    /// socket.off(Some("my-event"), Some(id)); // that listener
    /// socket.off(Some("my-event"), None); // all listeners of the event
    /// socket.off(None, None); // everything
    /// # Ok(()) }
    /// ```
    pub fn off(&self, event: Option<&str>, id: Option<ListenerId>) -> &Self {
        lock(&self.shared.listeners).named.remove(event, id);
        self
    }

    /// The listeners of an event.
    pub fn listeners(&self, event: &str) -> Vec<ListenerId> {
        lock(&self.shared.listeners).named.ids(event)
    }

    /// Called on `connect` (and every reconnection).
    pub fn on_connect(&self, f: impl Fn() + Send + Sync + 'static) -> ListenerId {
        self.on("connect", move |_| f())
    }

    /// Called on `disconnect` with the official reason.
    pub fn on_disconnect(
        &self,
        f: impl Fn(DisconnectReason) + Send + Sync + 'static,
    ) -> ListenerId {
        self.on("disconnect", move |e| {
            let reason = e
                .args
                .first()
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .unwrap_or(DisconnectReason::TransportClose);
            f(reason)
        })
    }

    /// Called on `connect_error`: the server's `{message, data}` for a refusal, or the transport error.
    /// Check [`Socket::active`] to know whether the client will retry.
    pub fn on_connect_error(&self, f: impl Fn(ConnectError) + Send + Sync + 'static) -> ListenerId {
        self.on("connect_error", move |e| {
            let v = e.args.first();
            f(ConnectError {
                message: v
                    .and_then(|v| v.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                data: v.and_then(|v| v.get("data")).cloned(),
            })
        })
    }

    fn any_id(&self) -> ListenerId {
        lock(&self.shared.listeners).named.next_id()
    }

    /// Registers a catch-all listener for received events (not acks).
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// let id = socket.on_any(|event| println!("got {}", event.name));
    /// socket.on_any_outgoing(|event| println!("sent {}", event.name));
    /// socket.off_any(Some(id));
    /// # Ok(()) }
    /// ```
    pub fn on_any(&self, f: impl Fn(Event) + Send + Sync + 'static) -> ListenerId {
        let id = self.any_id();
        lock(&self.shared.listeners).any.push((id, Arc::new(f)));
        id
    }

    /// Like [`Socket::on_any`], called before the other catch-all listeners.
    pub fn prepend_any(&self, f: impl Fn(Event) + Send + Sync + 'static) -> ListenerId {
        let id = self.any_id();
        lock(&self.shared.listeners)
            .any
            .insert(0, (id, Arc::new(f)));
        id
    }

    /// Removes one catch-all listener, or all with `None`.
    pub fn off_any(&self, id: Option<ListenerId>) -> &Self {
        let mut l = lock(&self.shared.listeners);
        match id {
            Some(id) => l.any.retain(|(i, _)| *i != id),
            None => l.any.clear(),
        }
        self
    }

    /// The catch-all listeners.
    pub fn listeners_any(&self) -> Vec<ListenerId> {
        lock(&self.shared.listeners)
            .any
            .iter()
            .map(|(i, _)| *i)
            .collect()
    }

    /// Registers a catch-all listener for sent events (not acks).
    pub fn on_any_outgoing(&self, f: impl Fn(Event) + Send + Sync + 'static) -> ListenerId {
        let id = self.any_id();
        lock(&self.shared.listeners)
            .any_outgoing
            .push((id, Arc::new(f)));
        id
    }

    /// Like [`Socket::on_any_outgoing`], called before the others.
    pub fn prepend_any_outgoing(&self, f: impl Fn(Event) + Send + Sync + 'static) -> ListenerId {
        let id = self.any_id();
        lock(&self.shared.listeners)
            .any_outgoing
            .insert(0, (id, Arc::new(f)));
        id
    }

    /// Removes one outgoing catch-all listener, or all with `None`.
    pub fn off_any_outgoing(&self, id: Option<ListenerId>) -> &Self {
        let mut l = lock(&self.shared.listeners);
        match id {
            Some(id) => l.any_outgoing.retain(|(i, _)| *i != id),
            None => l.any_outgoing.clear(),
        }
        self
    }

    /// The outgoing catch-all listeners.
    pub fn listeners_any_outgoing(&self) -> Vec<ListenerId> {
        lock(&self.shared.listeners)
            .any_outgoing
            .iter()
            .map(|(i, _)| *i)
            .collect()
    }
}
