//! The shapes of user callbacks: event handlers with typed or dynamic arguments, connection handlers,
//! middlewares and catch-all listeners.

use crate::ack::AckSender;
use crate::args::decode_args;
use crate::errors::{MiddlewareError, SocketError};
use crate::extensions::State;
use crate::reason::DisconnectReason;
use crate::socket::Socket;
use serde::de::{DeserializeOwned, IgnoredAny};
use sio_protocol::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed, sendable future.
pub(crate) type BoxFut<T = ()> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A type-erased event handler: `Err` when the arguments do not fit its types or its state is missing.
pub(crate) type ErasedEventHandler =
    Arc<dyn Fn(Socket, Vec<Value>, AckSender) -> Result<BoxFut, CallError> + Send + Sync>;
pub(crate) type ConnectionFn = Arc<dyn Fn(Socket) -> BoxFut + Send + Sync>;
pub(crate) type MiddlewareFn =
    Arc<dyn Fn(Socket) -> BoxFut<Result<(), MiddlewareError>> + Send + Sync>;
pub(crate) type PacketMiddlewareFn = Arc<
    dyn Fn(Socket, IncomingEvent) -> BoxFut<Result<IncomingEvent, MiddlewareError>> + Send + Sync,
>;
pub(crate) type AnyFn = Arc<dyn Fn(Socket, String, Vec<Value>, AckSender) -> BoxFut + Send + Sync>;
pub(crate) type OutgoingFn = Arc<dyn Fn(&Socket, &str, &[Value]) + Send + Sync>;
pub(crate) type DisconnectFn = Arc<dyn Fn(Socket, DisconnectReason) -> BoxFut + Send + Sync>;
pub(crate) type ErrorFn = Arc<dyn Fn(Socket, SocketError) -> BoxFut + Send + Sync>;

/// An incoming event as a per-packet middleware sees it (it may change the arguments).
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingEvent {
    /// The event name.
    pub event: String,
    /// The arguments.
    pub args: Vec<Value>,
}

/// Marker: a handler `Fn(Socket, T)`.
pub struct WithoutAck;
/// Marker: a handler `Fn(Socket, T, AckSender)`.
pub struct WithAck;
/// Marker: a handler `Fn(Socket)`, for events whose arguments it does not read.
pub struct NoArgs;
/// Marker: a handler `Fn(Socket, AckSender)`, for events whose arguments it does not read.
pub struct AckOnly;

/// Why an event handler was not called.
#[derive(Debug)]
pub(crate) enum CallError {
    /// The arguments do not fit its types.
    Args(String),
    /// The server has no state of the type it takes (the type's name).
    MissingState(&'static str),
}

/// An event handler: an async function of the socket and the arguments (`T`: one serde type, a tuple for
/// several arguments, or `Vec<Value>` for every argument as is), optionally followed by an [`AckSender`] to
/// answer the client's acknowledgement; or of the socket alone (and the [`AckSender`]) when the arguments do
/// not matter. A [`State`] may come right after the socket, in each of these shapes.
///
/// ```
/// # use sio_server::{AckSender, Socket, State, Value};
/// # fn shapes(socket: Socket) {
/// socket.on("ping", |s: Socket| async move {
///     let _ = s.emit("pong", &());
/// });
/// socket.on("time", |_s: Socket, ack: AckSender| async move {
///     let _ = ack.send(&1_700_000_000);
/// });
/// socket.on("add", |_s: Socket, (a, b): (i64, i64), ack: AckSender| async move {
///     let _ = ack.send(&(a + b));
/// });
/// socket.on("log", |_s: Socket, args: Vec<Value>| async move {
///     println!("{args:?}");
/// });
/// socket.on("motd", |_s: Socket, State(motd): State<&'static str>, ack: AckSender| async move {
///     let _ = ack.send(&motd);
/// });
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "this is not an event handler sio can call",
    label = "not an event handler",
    note = "an event handler is an async closure or fn taking `(Socket)`, `(Socket, AckSender)`, `(Socket, T)` or \
            `(Socket, T, AckSender)`, where `T: serde::de::DeserializeOwned` (one argument, a tuple for several, \
            `Vec<Value>` for all of them), optionally with a `State<S>` right after the `Socket`, and the future is \
            `Send + 'static` with output `()`"
)]
pub trait EventHandler<T, M>: Send + Sync + 'static {
    /// Calls the handler; `Err` names the type of a state the server does not have.
    #[doc(hidden)]
    fn call(&self, socket: Socket, args: T, ack: AckSender) -> Result<BoxFut, &'static str>;
}

impl<F, Fut, T> EventHandler<T, WithoutAck> for F
where
    F: Fn(Socket, T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    T: DeserializeOwned + Send + 'static,
{
    fn call(&self, socket: Socket, args: T, _ack: AckSender) -> Result<BoxFut, &'static str> {
        Ok(Box::pin(self(socket, args)))
    }
}

impl<F, Fut, T> EventHandler<T, WithAck> for F
where
    F: Fn(Socket, T, AckSender) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    T: DeserializeOwned + Send + 'static,
{
    fn call(&self, socket: Socket, args: T, ack: AckSender) -> Result<BoxFut, &'static str> {
        Ok(Box::pin(self(socket, args, ack)))
    }
}

impl<F, Fut> EventHandler<IgnoredAny, NoArgs> for F
where
    F: Fn(Socket) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn call(
        &self,
        socket: Socket,
        _args: IgnoredAny,
        _ack: AckSender,
    ) -> Result<BoxFut, &'static str> {
        Ok(Box::pin(self(socket)))
    }
}

impl<F, Fut> EventHandler<IgnoredAny, AckOnly> for F
where
    F: Fn(Socket, AckSender) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn call(
        &self,
        socket: Socket,
        _args: IgnoredAny,
        ack: AckSender,
    ) -> Result<BoxFut, &'static str> {
        Ok(Box::pin(self(socket, ack)))
    }
}

/// The server's state of type `S` for a handler of `socket`, or the name of the type it lacks.
fn state<S: Clone + Send + Sync + 'static>(socket: &Socket) -> Result<State<S>, &'static str> {
    socket
        .nsp()
        .state::<S>()
        .map(State)
        .ok_or(std::any::type_name::<S>())
}

impl<F, Fut, S, T> EventHandler<T, (State<S>, WithoutAck)> for F
where
    F: Fn(Socket, State<S>, T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    S: Clone + Send + Sync + 'static,
    T: DeserializeOwned + Send + 'static,
{
    fn call(&self, socket: Socket, args: T, _ack: AckSender) -> Result<BoxFut, &'static str> {
        let state = state(&socket)?;
        Ok(Box::pin(self(socket, state, args)))
    }
}

impl<F, Fut, S, T> EventHandler<T, (State<S>, WithAck)> for F
where
    F: Fn(Socket, State<S>, T, AckSender) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    S: Clone + Send + Sync + 'static,
    T: DeserializeOwned + Send + 'static,
{
    fn call(&self, socket: Socket, args: T, ack: AckSender) -> Result<BoxFut, &'static str> {
        let state = state(&socket)?;
        Ok(Box::pin(self(socket, state, args, ack)))
    }
}

impl<F, Fut, S> EventHandler<IgnoredAny, (State<S>, NoArgs)> for F
where
    F: Fn(Socket, State<S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    S: Clone + Send + Sync + 'static,
{
    fn call(&self, socket: Socket, _: IgnoredAny, _ack: AckSender) -> Result<BoxFut, &'static str> {
        let state = state(&socket)?;
        Ok(Box::pin(self(socket, state)))
    }
}

impl<F, Fut, S> EventHandler<IgnoredAny, (State<S>, AckOnly)> for F
where
    F: Fn(Socket, State<S>, AckSender) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    S: Clone + Send + Sync + 'static,
{
    fn call(&self, socket: Socket, _: IgnoredAny, ack: AckSender) -> Result<BoxFut, &'static str> {
        let state = state(&socket)?;
        Ok(Box::pin(self(socket, state, ack)))
    }
}

/// A connection handler: an async function of the socket, optionally followed by a [`State`].
#[diagnostic::on_unimplemented(
    message = "this is not a connection handler sio can call",
    label = "not a connection handler",
    note = "a connection handler is an async closure or fn taking `(Socket)` or `(Socket, State<S>)`, whose \
            future is `Send + 'static` with output `()`"
)]
pub trait ConnectionHandler<M>: Send + Sync + 'static {
    /// Calls the handler; `Err` names the type of a state the server does not have.
    #[doc(hidden)]
    fn call(&self, socket: Socket) -> Result<BoxFut, &'static str>;
}

impl<F, Fut> ConnectionHandler<NoArgs> for F
where
    F: Fn(Socket) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn call(&self, socket: Socket) -> Result<BoxFut, &'static str> {
        Ok(Box::pin(self(socket)))
    }
}

impl<F, Fut, S> ConnectionHandler<State<S>> for F
where
    F: Fn(Socket, State<S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    S: Clone + Send + Sync + 'static,
{
    fn call(&self, socket: Socket) -> Result<BoxFut, &'static str> {
        let state = state(&socket)?;
        Ok(Box::pin(self(socket, state)))
    }
}

/// A connect middleware (`nsp.use`): an async function of the socket, optionally followed by a
/// [`State`], that lets the socket connect (`Ok`) or refuses it with a [`MiddlewareError`].
#[diagnostic::on_unimplemented(
    message = "this is not a connect middleware sio can call",
    label = "not a connect middleware",
    note = "a connect middleware is an async closure or fn taking `(Socket)` or `(Socket, State<S>)`, whose \
            future is `Send + 'static` with output `Result<(), MiddlewareError>`"
)]
pub trait ConnectMiddleware<M>: Send + Sync + 'static {
    /// Calls the middleware; `Err` names the type of a state the server does not have.
    #[doc(hidden)]
    fn call(&self, socket: Socket) -> Result<BoxFut<Result<(), MiddlewareError>>, &'static str>;
}

impl<F, Fut> ConnectMiddleware<NoArgs> for F
where
    F: Fn(Socket) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
{
    fn call(&self, socket: Socket) -> Result<BoxFut<Result<(), MiddlewareError>>, &'static str> {
        Ok(Box::pin(self(socket)))
    }
}

impl<F, Fut, S> ConnectMiddleware<State<S>> for F
where
    F: Fn(Socket, State<S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
    S: Clone + Send + Sync + 'static,
{
    fn call(&self, socket: Socket) -> Result<BoxFut<Result<(), MiddlewareError>>, &'static str> {
        let state = state(&socket)?;
        Ok(Box::pin(self(socket, state)))
    }
}

/// A connection handler, type-erased; one whose state is missing is not called (an error is logged).
pub(crate) fn erase_connection_handler<M>(handler: impl ConnectionHandler<M>) -> ConnectionFn {
    Arc::new(move |socket| match handler.call(socket) {
        Ok(fut) => fut,
        Err(state) => {
            tracing::error!(
                state,
                "a connection handler takes a state the server does not have (Server::with_state)"
            );
            Box::pin(std::future::ready(()))
        }
    })
}

/// A connect middleware, type-erased; one whose state is missing refuses the socket with `server error`.
pub(crate) fn erase_middleware<M>(middleware: impl ConnectMiddleware<M>) -> MiddlewareFn {
    Arc::new(move |socket| match middleware.call(socket) {
        Ok(fut) => fut,
        Err(state) => {
            tracing::error!(
                state,
                "a connect middleware takes a state the server does not have (Server::with_state)"
            );
            Box::pin(std::future::ready(Err(MiddlewareError::new(
                "server error",
            ))))
        }
    })
}

/// A catch-all listener: an async function of the socket, the event name and its arguments, optionally
/// followed by the [`AckSender`] of the event (shared with its handlers: the first answer is the one sent,
/// as the official `onAny` listener gets the acknowledgement callback among the arguments).
#[diagnostic::on_unimplemented(
    message = "this is not a catch-all listener sio can call",
    label = "not a catch-all listener",
    note = "a catch-all listener is an async closure or fn taking `(Socket, String, Vec<Value>)` or \
            `(Socket, String, Vec<Value>, AckSender)`, whose future is `Send + 'static` with output `()`"
)]
pub trait AnyHandler<M>: Send + Sync + 'static {
    #[doc(hidden)]
    fn call(&self, socket: Socket, event: String, args: Vec<Value>, ack: AckSender) -> BoxFut;
}

impl<F, Fut> AnyHandler<WithoutAck> for F
where
    F: Fn(Socket, String, Vec<Value>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn call(&self, socket: Socket, event: String, args: Vec<Value>, _ack: AckSender) -> BoxFut {
        Box::pin(self(socket, event, args))
    }
}

impl<F, Fut> AnyHandler<WithAck> for F
where
    F: Fn(Socket, String, Vec<Value>, AckSender) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn call(&self, socket: Socket, event: String, args: Vec<Value>, ack: AckSender) -> BoxFut {
        Box::pin(self(socket, event, args, ack))
    }
}

pub(crate) fn erase_event_handler<T, M, H>(handler: H) -> ErasedEventHandler
where
    H: EventHandler<T, M>,
    T: DeserializeOwned + Send + 'static,
    M: 'static,
{
    Arc::new(move |socket, args, ack| {
        let args = decode_args::<T>(args).map_err(|e| CallError::Args(e.to_string()))?;
        handler
            .call(socket, args, ack)
            .map_err(CallError::MissingState)
    })
}
