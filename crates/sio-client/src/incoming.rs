//! An event as handlers see it: its name, its arguments and, when the server asked for one, the ack to answer.

use crate::ack::AckSender;
use crate::error::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::value::from_args;
use sio_protocol::Value;

/// One received event (or a reserved event: `connect`, `disconnect`, `connect_error`).
#[derive(Debug, Clone)]
pub struct Event {
    /// The event name.
    pub name: String,
    /// The arguments, in order.
    pub args: Vec<Value>,
    /// The server's ack callback, when it asked for one.
    pub ack: Option<AckSender>,
}

impl Event {
    /// Reads the arguments as a serde type: a tuple takes them in order, another type reads the first one.
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, Error> {
        from_args(self.args.clone()).map_err(Error::Serde)
    }

    /// Answers the server's ack (does nothing when the server did not ask for one).
    pub fn ack<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), Error> {
        match &self.ack {
            Some(a) => a.send(data),
            None => Ok(()),
        }
    }
}
