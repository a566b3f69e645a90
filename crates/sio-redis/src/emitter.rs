//! The emitter: sends into a cluster of classic-adapter servers from a process that is not a Socket.IO
//! server (a worker, a CLI), byte-compatible with npm `@socket.io/redis-emitter` 5.x. It publishes what a
//! server's adapter would, with the uid `emitter`, which no server counts as a node.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use sio_redis::{Emitter, RedisConnection, RedisTarget};
//!
//! let conn = RedisConnection::connect(&RedisTarget::parse("redis://127.0.0.1:6379")).await?;
//! let emitter = Emitter::new(conn, "socket.io");
//! emitter.to("room1").emit("news", &("hello", 42)).await?;
//! emitter.of("/admin").sockets_join("staff").await?;
//! emitter.server_side_emit("reload", &()).await?;
//! # Ok(()) }
//! ```

use crate::classic::message::{self as msg, object, RequestType};
use crate::connection::RedisConnection;
use crate::publisher::{Publisher, Verb};
use serde::Serialize;
use sio_protocol::value::{msgpack, to_args};
use sio_protocol::Value;
use sio_server::adapter::BroadcastOptions;
use sio_server::{EmitError, RoomParam, RESERVED_EVENTS, RESERVED_SERVER_EVENTS};

/// The uid of every message an emitter sends.
const UID: &str = "emitter";

/// Emits to the servers of one namespace (`/` first; see [`Emitter::of`]). Cheap to clone.
#[derive(Clone)]
pub struct Emitter {
    publisher: Publisher,
    key: String,
    nsp: String,
}

/// An emitter with rooms, exceptions or flags set.
#[derive(Clone)]
pub struct EmitterOperator {
    emitter: Emitter,
    opts: BroadcastOptions,
}

impl Emitter {
    /// An emitter on `conn` for the servers whose adapter uses `key` (the official default is
    /// `socket.io`), to the main namespace.
    pub fn new(conn: RedisConnection, key: impl Into<String>) -> Emitter {
        Emitter {
            publisher: Publisher::new(conn),
            key: key.into(),
            nsp: "/".into(),
        }
    }

    /// The same emitter for another namespace (a missing leading `/` is added).
    pub fn of(&self, nsp: &str) -> Emitter {
        let nsp = if nsp.starts_with('/') {
            nsp.to_owned()
        } else {
            format!("/{nsp}")
        };
        Emitter {
            nsp,
            ..self.clone()
        }
    }

    fn operator(&self) -> EmitterOperator {
        EmitterOperator {
            emitter: self.clone(),
            opts: BroadcastOptions::default(),
        }
    }

    /// Targets the room(s).
    pub fn to(&self, rooms: impl RoomParam) -> EmitterOperator {
        self.operator().to(rooms)
    }

    /// Same as [`Emitter::to`].
    pub fn in_(&self, rooms: impl RoomParam) -> EmitterOperator {
        self.to(rooms)
    }

    /// Leaves out the room(s).
    pub fn except(&self, rooms: impl RoomParam) -> EmitterOperator {
        self.operator().except(rooms)
    }

    /// Drops the packet for clients that cannot take it right now.
    pub fn volatile(&self) -> EmitterOperator {
        self.operator().volatile()
    }

    /// Whether to compress the packet.
    pub fn compress(&self, compress: bool) -> EmitterOperator {
        self.operator().compress(compress)
    }

    /// Emits an event to every socket of the namespace, on every server.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        self.operator().emit(event, args).await
    }

    /// Makes every socket join the room(s).
    pub async fn sockets_join(&self, rooms: impl RoomParam) -> Result<(), EmitError> {
        self.operator().sockets_join(rooms).await
    }

    /// Makes every socket leave the room(s).
    pub async fn sockets_leave(&self, rooms: impl RoomParam) -> Result<(), EmitError> {
        self.operator().sockets_leave(rooms).await
    }

    /// Disconnects every socket (`close`: also close the underlying connection).
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), EmitError> {
        self.operator().disconnect_sockets(close).await
    }

    /// Emits an event to every server (their `on_server_event` listeners). Acknowledgements are not
    /// supported, as with the official emitter.
    pub async fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        self.server_side_emit_args(event, to_args(args)?).await
    }

    /// Like [`Emitter::server_side_emit`], with a list of arguments.
    pub async fn server_side_emit_args(
        &self,
        event: &str,
        args: Vec<Value>,
    ) -> Result<(), EmitError> {
        if RESERVED_SERVER_EVENTS.contains(&event) {
            return Err(EmitError::Reserved(event.to_owned()));
        }
        let mut data = vec![Value::from(event)];
        data.extend(args);
        let request = object([
            ("uid", Value::from(UID)),
            ("type", Value::from(RequestType::ServerSideEmit as u8)),
            ("data", Value::Array(data)),
        ]);
        self.publish(self.request_channel(), msg::json(&request))
            .await
    }

    fn request_channel(&self) -> String {
        format!("{}-request#{}#", self.key, self.nsp)
    }

    async fn publish(&self, channel: String, payload: Vec<u8>) -> Result<(), EmitError> {
        Ok(self.publisher.send(Verb::Publish, channel, payload).await?)
    }
}

impl EmitterOperator {
    /// Targets the room(s) too.
    pub fn to(mut self, rooms: impl RoomParam) -> Self {
        self.opts.rooms.extend(rooms.into_rooms());
        self
    }

    /// Same as [`EmitterOperator::to`].
    pub fn in_(self, rooms: impl RoomParam) -> Self {
        self.to(rooms)
    }

    /// Leaves out the room(s) too.
    pub fn except(mut self, rooms: impl RoomParam) -> Self {
        self.opts.except.extend(rooms.into_rooms());
        self
    }

    /// Drops the packet for clients that cannot take it right now.
    pub fn volatile(mut self) -> Self {
        self.opts.flags.volatile = true;
        self
    }

    /// Whether to compress the packet.
    pub fn compress(mut self, compress: bool) -> Self {
        self.opts.flags.compress = Some(compress);
        self
    }

    /// Emits an event to the selected sockets, on every server.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        self.emit_args(event, to_args(args)?).await
    }

    /// Emits an event with a list of arguments.
    pub async fn emit_args(&self, event: &str, args: Vec<Value>) -> Result<(), EmitError> {
        if RESERVED_EVENTS.contains(&event) {
            return Err(EmitError::Reserved(event.to_owned()));
        }
        let e = &self.emitter;
        let mut channel = format!("{}#{}#", e.key, e.nsp);
        if let (1, Some(room)) = (self.opts.rooms.len(), self.opts.rooms.iter().next()) {
            channel.push_str(room);
            channel.push('#');
        }
        // The official emitter's key order: rooms, flags, except.
        let opts = msg::broadcast_opts(&self.opts);
        let opts = object([
            ("rooms", opts.get("rooms").cloned().unwrap_or_default()),
            ("flags", opts.get("flags").cloned().unwrap_or_default()),
            ("except", opts.get("except").cloned().unwrap_or_default()),
        ]);
        let message = Value::Array(vec![
            Value::from(UID),
            msg::packet_value(&e.nsp, event, &args),
            opts,
        ]);
        e.publish(channel, msgpack::encode(&message)).await
    }

    /// Makes the selected sockets join the room(s).
    pub async fn sockets_join(&self, rooms: impl RoomParam) -> Result<(), EmitError> {
        self.operation(RequestType::RemoteJoin, ("rooms", rooms_value(rooms)))
            .await
    }

    /// Makes the selected sockets leave the room(s).
    pub async fn sockets_leave(&self, rooms: impl RoomParam) -> Result<(), EmitError> {
        self.operation(RequestType::RemoteLeave, ("rooms", rooms_value(rooms)))
            .await
    }

    /// Disconnects the selected sockets.
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), EmitError> {
        self.operation(RequestType::RemoteDisconnect, ("close", Value::Bool(close)))
            .await
    }

    async fn operation(&self, kind: RequestType, extra: (&str, Value)) -> Result<(), EmitError> {
        let request = object([
            ("uid", Value::from(UID)),
            ("type", Value::from(kind as u8)),
            ("opts", msg::selection(&self.opts)),
            extra,
        ]);
        let e = &self.emitter;
        e.publish(e.request_channel(), msg::json(&request)).await
    }
}

fn rooms_value(rooms: impl RoomParam) -> Value {
    msg::rooms_value(&rooms.into_rooms())
}
