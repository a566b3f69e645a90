//! The transport of one namespace: publishes through the shared ordered [`Publisher`] and receives
//! through the shared [`Listener`], both on the channel `<channelPrefix>#<nsp>`. Responses go to the same
//! channel as everything else (PostgreSQL has no per-node channel here); the other nodes ignore them.

use crate::attachments;
use crate::error::PostgresError;
use crate::listener::Listener;
use crate::options::{ErrorHandler, PostgresAdapterOptions};
use crate::publisher::Publisher;
use futures_util::future::BoxFuture;
use sio_cluster::{
    ClusterHandle, ClusterMessage, Offset, Transport, TransportContext, TransportFactory,
};
use sio_server::AdapterError;

/// PostgreSQL truncates identifiers, channel names included, to 63 bytes (`NAMEDATALEN - 1`), and
/// `pg_notify` refuses longer channel names.
const MAX_CHANNEL_LEN: usize = 63;

/// Makes the transport of each namespace; all of them share the two connections.
pub struct PostgresTransports {
    pub(crate) publisher: Publisher,
    pub(crate) listener: Listener,
    pub(crate) options: PostgresAdapterOptions,
}

impl TransportFactory for PostgresTransports {
    type Transport = PostgresTransport;

    fn create(&self, ctx: TransportContext) -> PostgresTransport {
        PostgresTransport {
            channel: self.options.channel(ctx.nsp.name()),
            handle: ctx.handle,
            publisher: self.publisher.clone(),
            listener: self.listener.clone(),
            threshold: self.options.payload_threshold,
            errors: self.options.error_handler.clone(),
        }
    }
}

/// The PostgreSQL transport of one namespace.
pub struct PostgresTransport {
    channel: String,
    handle: ClusterHandle,
    publisher: Publisher,
    listener: Listener,
    threshold: usize,
    errors: ErrorHandler,
}

impl PostgresTransport {
    /// The namespace's notification channel.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// Encodes and queues `msg` now (so that messages go out in call order).
    fn send(&self, msg: &ClusterMessage) -> BoxFuture<'static, Result<(), AdapterError>> {
        match attachments::encode(msg, self.channel.clone(), self.threshold) {
            Ok(outgoing) => Box::pin(self.publisher.send(outgoing)),
            Err(error) => {
                let error = PostgresError::from(error);
                self.errors.handle(&error);
                let error = AdapterError::from(error);
                Box::pin(async move { Err(error) })
            }
        }
    }
}

impl Transport for PostgresTransport {
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            if self.channel.len() > MAX_CHANNEL_LEN {
                let error = PostgresError::Config(format!(
                    "channel name {:?} is longer than {MAX_CHANNEL_LEN} bytes",
                    self.channel
                ));
                self.errors.handle(&error);
                return Err(error.into());
            }
            self.listener
                .listen(self.channel.clone(), self.handle.clone())
                .await
                .map_err(AdapterError::from)
        })
    }

    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.listener.unlisten(self.channel.clone());
        Box::pin(async { Ok(()) })
    }

    fn publish(&self, msg: ClusterMessage) -> BoxFuture<'_, Result<Option<Offset>, AdapterError>> {
        let sent = self.send(&msg);
        // Connection state recovery is not supported (no offsets), as in the official adapter.
        Box::pin(async move { sent.await.map(|()| None) })
    }

    fn publish_response(
        &self,
        _requester_uid: String,
        msg: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.send(&msg)
    }
}
