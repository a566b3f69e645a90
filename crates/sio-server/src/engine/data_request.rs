//! The request of the polling POST whose messages are being handled (engine.io's `transport.dataReq`).
//!
//! A message handler cannot be handed the request as an argument without changing every handler's
//! shape, so the request is set for the time its messages are handed over, on the task doing it, and
//! read back by [`EngineSocket::data_request`]. It exists only when
//! [`EngineConfig::data_requests`](super::EngineConfig::data_requests) is on.

use super::{EngineSocket, RequestInfo};
use std::future::Future;
use std::sync::Arc;

/// A session's data request, set while its messages are handed over.
#[derive(Clone)]
struct Current {
    socket: EngineSocket,
    request: Arc<RequestInfo>,
}

tokio::task_local! {
    static CURRENT: Current;
}

/// Runs `future` with `request` as the data request of `socket`.
pub(crate) fn scope<F: Future>(
    socket: &EngineSocket,
    request: Arc<RequestInfo>,
    future: F,
) -> impl Future<Output = F::Output> {
    let current = Current {
        socket: socket.clone(),
        request,
    };
    CURRENT.scope(current, future)
}

/// Runs `f` with `request` as the data request of `socket`.
pub(crate) fn sync_scope<R>(
    socket: &EngineSocket,
    request: Arc<RequestInfo>,
    f: impl FnOnce() -> R,
) -> R {
    let current = Current {
        socket: socket.clone(),
        request,
    };
    CURRENT.sync_scope(current, f)
}

impl EngineSocket {
    /// The request of the polling POST that carried the message being handled (engine.io's
    /// `transport.dataReq`): its method, URI, headers (those of that request, not of the handshake)
    /// and, when the server knows it, the peer address.
    ///
    /// It is `Some` only with [`EngineConfig::data_requests`](super::EngineConfig::data_requests) on,
    /// for a message that came over polling, and only while the handler runs synchronously: read it
    /// before the handler's first `.await` and keep the `Arc` if it is needed later. Over websocket
    /// there is no request per message, and it is `None`, as `dataReq` is.
    ///
    /// ```no_run
    /// # use sio_server::engine::*;
    /// # use sio_protocol::engine::Packet;
    /// struct Audit;
    /// impl EngineHandler for Audit {
    ///     type Session = ();
    ///     fn on_open(&self, _: &EngineSocket) {}
    ///     fn on_message(&self, socket: &EngineSocket, _: &mut (), _message: Packet) {
    ///         if let Some(request) = socket.data_request() {
    ///             let agent = request.header("user-agent").map(String::from_utf8_lossy);
    ///             tracing::info!(?agent, "message over polling");
    ///         }
    ///     }
    ///     fn on_close(&self, _: &EngineSocket, _: (), _: CloseReason) {}
    /// }
    /// let engine = Engine::new(EngineConfig::default().data_requests(true), Audit);
    /// ```
    pub fn data_request(&self) -> Option<Arc<RequestInfo>> {
        CURRENT
            .try_with(|current| {
                Arc::ptr_eq(&current.socket.0, &self.0).then(|| current.request.clone())
            })
            .ok()
            .flatten()
    }
}
