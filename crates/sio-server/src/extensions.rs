//! Values kept by type: the server's shared state (read by handlers as [`State`]) and each socket's
//! extensions (values that are not serde, such as a channel or a database handle, beside the serde `data`
//! that `fetch_sockets` and a cluster see).

use crate::sync::{read, write};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::RwLock;

/// A map from a type to one value of that type, shared by every handler of its owner (a server's state, a
/// socket's extensions). Values are cloned out (put an `Arc` around what is costly to clone).
#[derive(Default)]
pub struct Extensions(RwLock<HashMap<TypeId, Box<dyn Any + Send + Sync>>>);

impl Extensions {
    /// Stores `value`, returning the value of the same type stored before.
    pub fn insert<T: Send + Sync + 'static>(&self, value: T) -> Option<T> {
        write(&self.0)
            .insert(TypeId::of::<T>(), Box::new(value))
            .and_then(|old| old.downcast().ok().map(|old| *old))
    }

    /// A clone of the value of type `T`.
    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.with(T::clone)
    }

    /// Calls `f` with the value of type `T` in place (under a read lock: `f` must not touch this map).
    pub fn with<T: Send + Sync + 'static, R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        read(&self.0)
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref())
            .map(f)
    }

    /// Takes the value of type `T` out.
    pub fn remove<T: Send + Sync + 'static>(&self) -> Option<T> {
        write(&self.0)
            .remove(&TypeId::of::<T>())
            .and_then(|old| old.downcast().ok().map(|old| *old))
    }

    /// Whether a value of type `T` is stored.
    pub fn contains<T: Send + Sync + 'static>(&self) -> bool {
        read(&self.0).contains_key(&TypeId::of::<T>())
    }
}

impl std::fmt::Debug for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extensions")
            .field("len", &read(&self.0).len())
            .finish_non_exhaustive()
    }
}

/// A handler parameter that hands it the server's shared state of type `T`, given once with
/// [`Server::with_state`](crate::Server::with_state) (axum's `State`): no `Arc` to clone into each
/// closure.
///
/// ```
/// use sio_server::{AckSender, Server, ServerConfig, Socket, State};
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
///
/// #[derive(Clone, Default)]
/// struct Counter(Arc<AtomicU64>);
///
/// let io = Server::new(ServerConfig::default()).with_state(Counter::default());
/// io.on_connection(|socket: Socket, State(counter): State<Counter>| async move {
///     counter.0.fetch_add(1, Ordering::Relaxed);
///     socket.on("count", |_s: Socket, State(c): State<Counter>, ack: AckSender| async move {
///         let _ = ack.send(&c.0.load(Ordering::Relaxed));
///     });
/// });
/// ```
///
/// A handler whose state the server does not have is not called: the socket's error listeners get
/// [`SocketError::MissingState`](crate::SocketError::MissingState) (for a connect middleware, the client is
/// refused with `server error`).
#[derive(Debug, Clone, Copy, Default)]
pub struct State<T>(pub T);

impl<T> std::ops::Deref for State<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn keeps_one_value_per_type() {
        let map = Extensions::default();
        assert_eq!(map.insert(1_u32), None);
        assert_eq!(map.insert("a"), None);
        assert_eq!(map.insert(2_u32), Some(1));
        assert_eq!(map.get::<u32>(), Some(2));
        assert_eq!(map.get::<&str>(), Some("a"));
        assert_eq!(map.get::<u64>(), None);
        assert!(map.contains::<u32>());
        assert_eq!(map.remove::<u32>(), Some(2));
        assert!(!map.contains::<u32>());
        assert_eq!(format!("{map:?}"), "Extensions { len: 1, .. }");
    }

    #[test]
    fn lends_values_that_are_not_clone() {
        let map = Extensions::default();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u8>();
        map.insert(Arc::new(tx));
        struct Handle(u8);
        map.insert(Handle(7));
        assert_eq!(map.with(|h: &Handle| h.0), Some(7));
        map.get::<Arc<tokio::sync::mpsc::UnboundedSender<u8>>>()
            .unwrap()
            .send(3)
            .unwrap();
        assert_eq!(rx.try_recv().unwrap(), 3);
    }
}
