//! Parent namespaces: dynamic namespaces created on demand for names a predicate accepts; a broadcast on the
//! parent reaches every child.

use crate::broadcast::{BroadcastOperator, Family, RoomParam, Scope};
use crate::errors::EmitError;
use crate::handler::{
    erase_connection_handler, erase_middleware, ConnectMiddleware, ConnectionFn, ConnectionHandler,
    MiddlewareFn,
};
use crate::namespace::Namespace;
use crate::sync::{read, write};
use serde::Serialize;
use sio_protocol::Value;
use std::sync::{Arc, RwLock};

type Matcher = Box<dyn Fn(&str, &Value) -> bool + Send + Sync>;

/// A family of dynamic namespaces (`io.of(/^\/dynamic-\d+$/)` in the official API). Its connection
/// handlers and middlewares apply to every child.
#[derive(Clone)]
pub struct ParentNamespace(Arc<ParentInner>);

struct ParentInner {
    matcher: Matcher,
    connection_handlers: RwLock<Vec<ConnectionFn>>,
    middlewares: RwLock<Vec<MiddlewareFn>>,
    children: RwLock<Vec<Namespace>>,
}

impl ParentNamespace {
    pub(crate) fn new(matcher: Matcher) -> Self {
        ParentNamespace(Arc::new(ParentInner {
            matcher,
            connection_handlers: RwLock::new(Vec::new()),
            middlewares: RwLock::new(Vec::new()),
            children: RwLock::new(Vec::new()),
        }))
    }

    pub(crate) fn matches(&self, name: &str, auth: &Value) -> bool {
        (self.0.matcher)(name, auth)
    }

    pub(crate) fn add_child(&self, nsp: Namespace) {
        write(&self.0.children).push(nsp);
    }

    pub(crate) fn remove_child(&self, name: &str) {
        write(&self.0.children).retain(|n| n.name() != name);
    }

    pub(crate) fn middlewares(&self) -> Vec<MiddlewareFn> {
        read(&self.0.middlewares).clone()
    }

    pub(crate) fn connection_handlers(&self) -> Vec<ConnectionFn> {
        read(&self.0.connection_handlers).clone()
    }

    /// The child namespaces created so far.
    pub fn children(&self) -> Vec<Namespace> {
        read(&self.0.children).clone()
    }

    /// Registers a connection handler for every child namespace.
    pub fn on_connection<M>(&self, f: impl ConnectionHandler<M>) {
        write(&self.0.connection_handlers).push(erase_connection_handler(f));
    }

    /// Adds a connect middleware for every child namespace.
    pub fn use_middleware<M>(&self, f: impl ConnectMiddleware<M>) {
        write(&self.0.middlewares).push(erase_middleware(f));
    }

    /// A broadcast operator over every child.
    pub fn broadcast(&self) -> BroadcastOperator {
        BroadcastOperator::for_parent(self.0.clone())
    }

    /// A broadcast to the room(s) of every child.
    pub fn to(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// A broadcast to every child, except the room(s).
    pub fn except(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.broadcast().except(rooms)
    }

    /// Emits an event to every socket of every child namespace.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        self.broadcast().emit(event, args).await
    }
}

impl Family for ParentInner {
    fn members(&self) -> Vec<Arc<dyn Scope>> {
        read(&self.children)
            .iter()
            .map(|nsp| nsp.0.clone() as Arc<dyn Scope>)
            .collect()
    }
}

impl std::fmt::Debug for ParentNamespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParentNamespace")
            .field("children", &self.children().len())
            .finish()
    }
}
