//! What a socket receives: the client's packets, and the pipeline of an event through catch-all
//! listeners and per-packet middlewares to its handlers, run in order by the socket's jobs.

use super::jobs::{Job, Jobs};
use super::Socket;
use crate::ack::AckSender;
use crate::errors::SocketError;
use crate::handler::{
    AnyFn, BoxFut, CallError, ErasedEventHandler, ErrorFn, IncomingEvent, PacketMiddlewareFn,
};
use crate::listeners::{Entry, EventHandlers};
use crate::reason::DisconnectReason;
use sio_protocol::socket::PacketData;
use sio_protocol::Value;

impl Socket {
    pub(crate) fn is_writable(&self) -> bool {
        self.conn().is_writable()
    }

    /// Runs handler work after the work submitted before (see [`Jobs`]).
    pub(crate) fn run(&self, fut: BoxFut) {
        self.submit(Job::Task(fut));
    }

    fn submit(&self, job: Job) {
        // Off the runtime (a disconnection from a plain thread), handlers still start on it.
        let _runtime = match tokio::runtime::Handle::try_current() {
            Ok(_) => None,
            Err(_) => self.0.nsp.runtime().map(|r| r.enter()),
        };
        self.0.jobs.run(self, job);
    }

    pub(crate) fn jobs(&self) -> &Jobs {
        &self.0.jobs
    }

    /// Handles a packet the client sent to this namespace (never CONNECT / CONNECT_ERROR).
    pub(crate) fn on_packet(&self, data: PacketData) {
        match data {
            PacketData::Event { event, args, id } => self.on_event(event, args, id),
            PacketData::Ack { args, id } => self.on_ack(id, args),
            PacketData::Disconnect => self.on_close(DisconnectReason::ClientNamespaceDisconnect),
            PacketData::Connect(_) | PacketData::ConnectError(_) => {}
        }
    }

    fn on_event(&self, event: String, args: Vec<Value>, id: Option<u64>) {
        crate::metrics::event_received();
        let limit = self.0.client.max_pending_events();
        if self.0.jobs.pending() >= limit {
            tracing::warn!(sid = %self.0.id, limit, "too many pending events, closing the connection");
            self.0.client.force_close();
            return;
        }
        let request = self.conn().data_request();
        self.submit(Job::Event {
            event,
            args,
            id,
            request,
        });
    }

    /// The work of an incoming event, or `None` when there is none left. Without catch-all listeners and
    /// per-packet middlewares (the usual case), that is the handler's own future.
    pub(crate) fn dispatch(
        &self,
        event: String,
        args: Vec<Value>,
        id: Option<u64>,
    ) -> Option<BoxFut> {
        let ack = AckSender::new(self.clone(), id);
        if self.0.listeners.intercepted() {
            let socket = self.clone();
            return Some(Box::pin(async move {
                if let Some(deliver) = socket.intercept(event, args, ack).await {
                    deliver.await;
                }
            }));
        }
        self.deliver(event, args, ack)
    }

    /// Runs the catch-all listeners and the per-packet middlewares, then delivers what passed them.
    async fn intercept(&self, event: String, args: Vec<Value>, ack: AckSender) -> Option<BoxFut> {
        let any: Vec<AnyFn> = self.0.listeners.collect(|e| match e {
            Entry::Any(_, f) => Some(f),
            _ => None,
        });
        let middlewares: Vec<PacketMiddlewareFn> = self.0.listeners.collect(|e| match e {
            Entry::Middleware(f) => Some(f),
            _ => None,
        });
        for f in any {
            f(self.clone(), event.clone(), args.clone(), ack.clone()).await;
        }
        let mut incoming = IncomingEvent { event, args };
        for mw in middlewares {
            let event = incoming.event.clone();
            match mw(self.clone(), incoming).await {
                Ok(next) => incoming = next,
                Err(error) => {
                    self.report(SocketError::Rejected { event, error }).await;
                    return None;
                }
            }
        }
        self.deliver(incoming.event, incoming.args, ack)
    }

    /// Calls the event's listeners: the future of the one listener, or of all of them in turn.
    fn deliver(&self, event: String, args: Vec<Value>, ack: AckSender) -> Option<BoxFut> {
        if !self.connected() {
            tracing::debug!(sid = %self.0.id, "ignoring event received after disconnection");
            return None;
        }
        match self.0.listeners.take_event(&event) {
            EventHandlers::None => {
                tracing::trace!(sid = %self.0.id, event, "no listener for event");
                None
            }
            EventHandlers::One(handler) => Some(self.call(&handler, &event, args, ack)),
            EventHandlers::Several(handlers) => {
                let socket = self.clone();
                Some(Box::pin(async move {
                    let count = handlers.len();
                    let mut args = Some(args);
                    for (i, handler) in handlers.iter().enumerate() {
                        let a = if i + 1 == count {
                            args.take().unwrap_or_default()
                        } else {
                            args.clone().unwrap_or_default()
                        };
                        socket.call(handler, &event, a, ack.clone()).await;
                    }
                }))
            }
        }
    }

    /// One listener's future; when the arguments do not fit its types, the error listeners'.
    fn call(
        &self,
        handler: &ErasedEventHandler,
        event: &str,
        args: Vec<Value>,
        ack: AckSender,
    ) -> BoxFut {
        let error = match handler(self.clone(), args, ack) {
            Ok(fut) => return fut,
            Err(CallError::Args(message)) => {
                tracing::warn!(sid = %self.0.id, event, %message, "event arguments do not fit the handler");
                SocketError::InvalidArgs {
                    event: event.to_owned(),
                    message,
                }
            }
            Err(CallError::MissingState(state)) => {
                tracing::error!(sid = %self.0.id, event, state, "a handler takes a state the server does not have");
                SocketError::MissingState {
                    event: event.to_owned(),
                    state,
                }
            }
        };
        let socket = self.clone();
        Box::pin(async move { socket.report(error).await })
    }

    async fn report(&self, error: SocketError) {
        let handlers: Vec<ErrorFn> = self.0.listeners.collect(|e| match e {
            Entry::Error(f) => Some(f),
            _ => None,
        });
        if handlers.is_empty() {
            tracing::warn!(sid = %self.0.id, %error, "socket error without error listener");
        }
        for f in handlers {
            f(self.clone(), error.clone()).await;
        }
    }
}
