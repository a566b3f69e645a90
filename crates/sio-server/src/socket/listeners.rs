//! A socket's listeners: its events (typed handlers), catch-all listeners in and out, its lifecycle
//! events and its per-packet middlewares.

use super::Socket;
use crate::errors::MiddlewareError;
use crate::errors::SocketError;
use crate::handler::{
    erase_event_handler, AnyFn, AnyHandler, ConnectionFn, DisconnectFn, ErasedEventHandler,
    ErrorFn, EventHandler, IncomingEvent, OutgoingFn, PacketMiddlewareFn,
};
use crate::listeners::Entry;
pub use crate::listeners::ListenerId;
use crate::reason::DisconnectReason;
use serde::de::DeserializeOwned;
use sio_protocol::Value;
use std::future::Future;
use std::sync::Arc;

impl Socket {
    /// Registers a listener for an event. `handler` is an async function of the socket and the arguments
    /// (one serde type, a tuple for several, or `Vec<Value>`), optionally followed by an [`AckSender`](crate::AckSender).
    ///
    /// The handlers of a socket start in the order its events arrive, in the connection's task, so one
    /// that finishes without waiting costs no task switch (and should not block the thread). One that
    /// awaits goes on in a task of its own socket, concurrently with the handlers of later events.
    ///
    /// ```
    /// use sio_server::{AckSender, Server, ServerConfig, Socket, State};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Move {
    ///     x: i32,
    ///     y: i32,
    /// }
    ///
    /// async fn on_move(socket: Socket, m: Move) {
    ///     let _ = socket.to("game").emit("moved", &(socket.id(), m.x, m.y)).await;
    /// }
    ///
    /// let io = Server::new(ServerConfig::default()).with_state(String::from("v2"));
    /// io.on_connection(|socket: Socket| async move {
    ///     socket.on("move", on_move); // a typed argument, no acknowledgement
    ///     socket.on("version", |_s: Socket, State(v): State<String>, ack: AckSender| async move {
    ///         let _ = ack.send(&v); // the client's callback gets "v2"
    ///     });
    ///     socket.on("quit", |s: Socket| async move { s.disconnect(true) }); // arguments ignored
    /// });
    /// ```
    pub fn on<T, M, H>(&self, event: impl Into<String>, handler: H) -> ListenerId
    where
        H: EventHandler<T, M>,
        T: DeserializeOwned + Send + 'static,
        M: 'static,
    {
        self.add_listener(event.into(), erase_event_handler(handler), false)
    }

    /// Registers a listener called for the next occurrence of the event only.
    pub fn once<T, M, H>(&self, event: impl Into<String>, handler: H) -> ListenerId
    where
        H: EventHandler<T, M>,
        T: DeserializeOwned + Send + 'static,
        M: 'static,
    {
        self.add_listener(event.into(), erase_event_handler(handler), true)
    }

    fn add_listener(&self, event: String, f: ErasedEventHandler, once: bool) -> ListenerId {
        self.0.listeners.add_event(event, f, once)
    }

    /// Removes event listeners: one (`Some(event)`, `Some(id)`), all of an event (`Some(event)`, `None`),
    /// or every event listener (`None`, `None`; lifecycle and catch-all listeners stay).
    ///
    /// ```
    /// # use sio_server::Socket;
    /// # fn on_connection(socket: Socket) {
    /// let id = socket.on("tick", |_s: Socket| async {});
    /// socket.off(Some("tick"), Some(id)); // that listener
    /// socket.off(Some("tick"), None); // every listener of "tick"
    /// socket.off(None, None); // every event listener
    /// # }
    /// ```
    pub fn off(&self, event: Option<&str>, listener: Option<ListenerId>) -> &Self {
        self.0.listeners.remove(|e| {
            matches!(e, Entry::Event { event: name, id, .. }
                if event.is_none_or(|event| name == event) && listener.is_none_or(|l| l == *id))
        });
        self
    }

    /// The listeners of an event.
    pub fn listeners(&self, event: &str) -> Vec<ListenerId> {
        self.0.listeners.ids(|e| match e {
            Entry::Event {
                event: name, id, ..
            } if name == event => Some(*id),
            _ => None,
        })
    }

    /// Registers a catch-all listener for incoming events (not acks): `(socket, event, args)`, or
    /// `(socket, event, args, ack)` to answer the client's acknowledgement (see [`AnyHandler`]).
    pub fn on_any<M: 'static>(&self, f: impl AnyHandler<M>) -> ListenerId {
        self.add_any(f, false)
    }

    /// Registers a catch-all listener called before the others.
    pub fn prepend_any<M: 'static>(&self, f: impl AnyHandler<M>) -> ListenerId {
        self.add_any(f, true)
    }

    fn add_any<M: 'static>(&self, f: impl AnyHandler<M>, prepend: bool) -> ListenerId {
        let f: AnyFn = Arc::new(move |s, e, a, ack| f.call(s, e, a, ack));
        self.0.listeners.add_any(f, prepend)
    }

    /// Removes one catch-all listener (`Some(id)`) or all (`None`).
    pub fn off_any(&self, listener: Option<ListenerId>) -> &Self {
        self.0
            .listeners
            .remove(|e| matches!(e, Entry::Any(id, _) if listener.is_none_or(|l| l == *id)));
        self
    }

    /// The catch-all listeners.
    pub fn listeners_any(&self) -> Vec<ListenerId> {
        self.0.listeners.ids(|e| match e {
            Entry::Any(id, _) => Some(*id),
            _ => None,
        })
    }

    /// Registers a catch-all listener for outgoing events: `(socket, event, args)`, called synchronously when
    /// the event is sent (acks are not included).
    pub fn on_any_outgoing<F>(&self, f: F) -> ListenerId
    where
        F: Fn(&Socket, &str, &[Value]) + Send + Sync + 'static,
    {
        self.add_any_outgoing(Arc::new(f), false)
    }

    /// Registers an outgoing catch-all listener called before the others.
    pub fn prepend_any_outgoing<F>(&self, f: F) -> ListenerId
    where
        F: Fn(&Socket, &str, &[Value]) + Send + Sync + 'static,
    {
        self.add_any_outgoing(Arc::new(f), true)
    }

    fn add_any_outgoing(&self, f: OutgoingFn, prepend: bool) -> ListenerId {
        self.0.listeners.add_any_outgoing(f, prepend)
    }

    /// Removes one outgoing catch-all listener (`Some(id)`) or all (`None`).
    pub fn off_any_outgoing(&self, listener: Option<ListenerId>) -> &Self {
        self.0.listeners.remove(
            |e| matches!(e, Entry::AnyOutgoing(id, _) if listener.is_none_or(|l| l == *id)),
        );
        self
    }

    /// The outgoing catch-all listeners.
    pub fn listeners_any_outgoing(&self) -> Vec<ListenerId> {
        self.0.listeners.ids(|e| match e {
            Entry::AnyOutgoing(id, _) => Some(*id),
            _ => None,
        })
    }

    /// Called when the socket is about to be disconnected, its rooms still readable.
    pub fn on_disconnecting<F, Fut>(&self, f: F)
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let f: DisconnectFn = Arc::new(move |s, r| Box::pin(f(s, r)));
        self.0.listeners.add(Entry::Disconnecting(f), false);
    }

    /// Called once the socket is disconnected, with the official reason.
    pub fn on_disconnect<F, Fut>(&self, f: F)
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let f: DisconnectFn = Arc::new(move |s, r| Box::pin(f(s, r)));
        self.0.listeners.add(Entry::Disconnect(f), false);
    }

    /// Called when the underlying connection upgrades from polling to websocket (`socket.conn.on("upgrade")`);
    /// `socket.conn().transport()` then says `websocket`.
    pub fn on_upgrade<F, Fut>(&self, f: F)
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let f: ConnectionFn = Arc::new(move |s| Box::pin(f(s)));
        self.0.listeners.add(Entry::Upgrade(f), false);
    }

    pub(crate) fn on_transport_upgrade(&self) {
        let listeners = self.0.listeners.collect(|e| match e {
            Entry::Upgrade(f) => Some(f),
            _ => None,
        });
        if listeners.is_empty() {
            return;
        }
        let socket = self.clone();
        self.run(Box::pin(async move {
            for f in listeners {
                f(socket.clone()).await;
            }
        }));
    }

    /// Called when an incoming event cannot be delivered: its arguments do not fit a handler's types, or a
    /// per-packet middleware rejected it (the `error` event of the official API).
    pub fn on_error<F, Fut>(&self, f: F)
    where
        F: Fn(Socket, SocketError) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let f: ErrorFn = Arc::new(move |s, e| Box::pin(f(s, e)));
        self.0.listeners.add(Entry::Error(f), false);
    }

    /// Adds a per-packet middleware (`socket.use`): it sees every incoming event before the listeners, may
    /// change it, or reject it with an error that goes to the error listeners.
    pub fn use_middleware<F, Fut>(&self, f: F)
    where
        F: Fn(Socket, IncomingEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<IncomingEvent, MiddlewareError>> + Send + 'static,
    {
        let f: PacketMiddlewareFn = Arc::new(move |s, e| Box::pin(f(s, e)));
        self.0.listeners.add(Entry::Middleware(f), false);
    }
}
