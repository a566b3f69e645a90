//! A socket as `fetch_sockets` returns it: its details, and operations that work on whichever server it is.

use crate::adapter::{Room, SocketDetails};
use crate::broadcast::{BroadcastOperator, RoomParam, Scope};
use crate::errors::{AckError, AdapterError, EmitError};
use crate::handshake::Handshake;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::Value;
use std::sync::Arc;
use std::time::Duration;

/// A socket found by `fetch_sockets`, local or on another server of the cluster.
#[derive(Clone)]
pub struct RemoteSocket {
    details: SocketDetails,
    operator: BroadcastOperator,
}

impl RemoteSocket {
    pub(crate) fn new(nsp: Arc<dyn Scope>, details: SocketDetails) -> Self {
        let operator = BroadcastOperator::single(nsp, details.id.clone());
        RemoteSocket { details, operator }
    }

    /// The socket id.
    pub fn id(&self) -> &str {
        &self.details.id
    }

    /// Its handshake.
    pub fn handshake(&self) -> &Handshake {
        &self.details.handshake
    }

    /// The rooms it was in when fetched.
    pub fn rooms(&self) -> &[Room] {
        &self.details.rooms
    }

    /// Its data when fetched, read as `T`.
    pub fn data<T: DeserializeOwned>(&self) -> Option<T> {
        sio_protocol::value::from_value_ref(&self.details.data).ok()
    }

    /// Its data when fetched.
    pub fn data_value(&self) -> &Value {
        &self.details.data
    }

    /// Emits an event to it.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        self.operator.emit(event, args).await
    }

    /// Emits an event and waits for its answer (the first argument), within `timeout`.
    pub async fn emit_with_ack<T, R>(
        &self,
        event: &str,
        args: &T,
        timeout: Duration,
    ) -> Result<R, AckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + 'static,
    {
        let args = sio_protocol::value::to_args(args).map_err(EmitError::from)?;
        let answer = self
            .operator
            .clone()
            .timeout(timeout)
            .emit_args_with_single_ack(event, args)
            .await?;
        crate::args::decode_answer(vec![answer])
    }

    /// Makes it join the room(s).
    pub async fn join(&self, rooms: impl RoomParam) -> Result<(), AdapterError> {
        self.operator.sockets_join(rooms).await
    }

    /// Makes it leave the room(s).
    pub async fn leave(&self, rooms: impl RoomParam) -> Result<(), AdapterError> {
        self.operator.sockets_leave(rooms).await
    }

    /// Disconnects it (`close`: also its underlying connection).
    pub async fn disconnect(&self, close: bool) -> Result<(), AdapterError> {
        self.operator.disconnect_sockets(close).await
    }
}

impl std::fmt::Debug for RemoteSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSocket")
            .field("details", &self.details)
            .finish()
    }
}
