//! [`SocketEmitter`]: a socket's emits with flags (`timeout`, `volatile`, `compress`), as the server's
//! `SocketEmitter`.

use super::{AckFuture, Socket};
use crate::error::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::Value;
use std::time::Duration;

/// Emits of one socket with flags, from [`Socket::timeout`], [`Socket::volatile`] or
/// [`Socket::compress`]; the flags chain (`socket.volatile().timeout(d)`).
#[derive(Clone, Debug)]
pub struct SocketEmitter(pub(super) Socket);

impl SocketEmitter {
    /// Acknowledgements wait at most `d`.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.0.flags.timeout = Some(d);
        self
    }

    /// Events are dropped when the socket is not connected or the transport is busy.
    pub fn volatile(mut self) -> Self {
        self.0.flags.volatile = true;
        self
    }

    /// Sets the compression flag (see [`Socket::compress`]).
    pub fn compress(mut self, compress: bool) -> Self {
        self.0.flags.compress = Some(compress);
        self
    }

    /// Emits an event (see [`Socket::emit`]).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.0.emit(event, data)
    }

    /// Emits an event with dynamic arguments.
    pub fn emit_args(&self, event: &str, args: Vec<Value>) -> Result<(), Error> {
        self.0.emit_args(event, args)
    }

    /// Emits a `message` event.
    pub fn send<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), Error> {
        self.0.send(data)
    }

    /// Emits an event now and returns the future of the answer (see [`Socket::emit_with_ack`]).
    pub fn emit_with_ack<T: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        event: &str,
        data: &T,
    ) -> AckFuture<R> {
        self.0.emit_with_ack(event, data)
    }

    /// [`SocketEmitter::emit_with_ack`] with dynamic arguments.
    pub fn emit_args_with_ack<R: DeserializeOwned>(
        &self,
        event: &str,
        args: Vec<Value>,
    ) -> AckFuture<R> {
        self.0.emit_args_with_ack(event, args)
    }
}
