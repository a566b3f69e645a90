//! A socket's listeners: `on`, `once`, `off`, `listeners`, the catch-all ones and typed handlers.

use super::Socket;
use crate::ack::AckSender;
use crate::error::ConnectError;
use crate::events::{lock, ListenerId};
use crate::incoming::Event;
use crate::reason::DisconnectReason;
use futures_util::FutureExt;
use serde::de::DeserializeOwned;
use sio_protocol::value::from_args;
use sio_protocol::Value;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;

impl Socket {
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

    /// Registers an async handler: its future runs in the socket's handler task, concurrently with the
    /// handlers of later events (which still start in order), at most
    /// [`Bounds::running_handlers`](crate::Bounds::running_handlers) at once. An event's ack may be answered
    /// after an await.
    ///
    /// ```no_run
    /// # async fn run(socket: sio_client::Socket) -> Result<(), Box<dyn std::error::Error>> {
    /// socket.on_async("fetch", |event| async move {
    ///     let url: String = event.data().unwrap_or_default();
    ///     tokio::time::sleep(std::time::Duration::from_millis(10)).await; // some I/O
    ///     let _ = event.ack(&format!("fetched {url}"));
    /// });
    /// # Ok(()) }
    /// ```
    pub fn on_async<F, Fut>(&self, event: &str, f: F) -> ListenerId
    where
        F: Fn(Event) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let shared = Arc::downgrade(&self.shared);
        self.on(event, move |e| {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let name = e.name.clone();
            // A panic ends that handler only, not the socket's handler task.
            let handler = AssertUnwindSafe(f(e)).catch_unwind().map(move |result| {
                if result.is_err() {
                    tracing::error!(event = %name, "an async handler panicked");
                }
            });
            lock(&shared.started).push(Box::pin(handler));
        })
    }

    /// Registers a handler with typed arguments (a tuple for several). When the arguments do not match,
    /// the handler is not called and the error goes to [`Socket::on_handler_error`].
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
                let callback = shared.upgrade().and_then(|s| lock(&s.handler_error).clone());
                if let Some(callback) = callback {
                    callback(&e.name, &err);
                }
            }
        })
    }

    /// Sets the callback told, with the event name and the error, when an [`Socket::on_typed`] handler got
    /// arguments of another type (the handler is not called). Replaces the previous callback.
    pub fn on_handler_error(
        &self,
        f: impl Fn(&str, &sio_protocol::value::Error) + Send + Sync + 'static,
    ) {
        *lock(&self.shared.handler_error) = Some(Arc::new(f));
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
        self.shared.observes_outgoing.store(true, Ordering::Release);
        id
    }

    /// Like [`Socket::on_any_outgoing`], called before the others.
    pub fn prepend_any_outgoing(&self, f: impl Fn(Event) + Send + Sync + 'static) -> ListenerId {
        let id = self.any_id();
        lock(&self.shared.listeners)
            .any_outgoing
            .insert(0, (id, Arc::new(f)));
        self.shared.observes_outgoing.store(true, Ordering::Release);
        id
    }

    /// Removes one outgoing catch-all listener, or all with `None`.
    pub fn off_any_outgoing(&self, id: Option<ListenerId>) -> &Self {
        let mut l = lock(&self.shared.listeners);
        match id {
            Some(id) => l.any_outgoing.retain(|(i, _)| *i != id),
            None => l.any_outgoing.clear(),
        }
        self.shared
            .observes_outgoing
            .store(!l.any_outgoing.is_empty(), Ordering::Release);
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
