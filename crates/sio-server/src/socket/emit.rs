//! What a socket sends: its emits (with acks, timeouts, volatile, compression through `SocketEmitter`),
//! its broadcast operators, and the frames it writes.

use super::Socket;
use crate::adapter::{BroadcastFlags, BroadcastOptions};
use crate::args::decode_answer;
use crate::broadcast::{BroadcastOperator, RoomParam, Scope};
use crate::delivery::Delivery;
use crate::engine::{EngineSocket, SendError};
use crate::errors::{check_reserved, AckError, EmitError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::engine::Frame;
use sio_protocol::parser::{EncodeError, Encoded, Parser};
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::Value;
use std::borrow::Cow;
use std::future::Future;
use std::time::Duration;
use tokio::sync::oneshot;

impl Socket {
    /// Emits an event to this client. `args`: a tuple is several arguments, `()` none, anything else one
    /// argument; binary (`bytes::Bytes`, `Value::Binary`) may appear anywhere.
    ///
    /// ```
    /// # use sio_server::{value, Socket};
    /// # fn on_connection(socket: Socket) -> Result<(), sio_server::EmitError> {
    /// #[derive(serde::Serialize)]
    /// struct Welcome<'a> {
    ///     id: &'a str,
    ///     rooms: usize,
    /// }
    ///
    /// socket.emit("hello", "world")?; // one argument: "world"
    /// socket.emit("welcome", &Welcome { id: socket.id(), rooms: 1 })?; // one object
    /// socket.emit("scores", &("ann", 3, true))?; // three arguments
    /// socket.emit("ping", &())?; // no argument
    /// socket.emit("file", &value!({ "name": "a.bin", "bytes": bytes::Bytes::from_static(&[1, 2]) }))?;
    /// # Ok(()) }
    /// ```
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.emitter().emit(event, args)
    }

    /// Emits an event with a list of arguments.
    pub fn emit_args(&self, event: &str, args: Vec<Value>) -> Result<(), EmitError> {
        self.emitter().emit_args(event, args)
    }

    /// Emits an event and returns the future of the client's acknowledgement (no time limit; see
    /// [`Socket::timeout`]). The answer's arguments are read as `R` by the rules of event arguments. The
    /// event leaves when this is called, not when the future is polled (as the official `emitWithAck`, and
    /// sio-client's `emit_with_ack`).
    ///
    /// ```
    /// # use sio_server::{AckError, Socket};
    /// # use std::time::Duration;
    /// # async fn on_connection(socket: Socket) {
    /// #[derive(serde::Deserialize)]
    /// struct Choice {
    ///     color: String,
    /// }
    ///
    /// // The client answers `callback({ color: "blue" })`, within 5 seconds.
    /// match socket
    ///     .timeout(Duration::from_secs(5))
    ///     .emit_with_ack::<_, Choice>("pick a color", &["red", "blue"])
    ///     .await
    /// {
    ///     Ok(choice) => println!("{} picked {}", socket.id(), choice.color),
    ///     Err(AckError::Timeout { .. }) => println!("no answer"),
    ///     Err(e) => println!("{e}"),
    /// }
    /// # }
    /// ```
    pub fn emit_with_ack<T, R>(
        &self,
        event: &str,
        args: &T,
    ) -> impl Future<Output = Result<R, AckError>> + Send + 'static
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + 'static,
    {
        self.emitter().emit_with_ack(event, args)
    }

    /// An emitter whose acknowledgements fail with [`AckError::Timeout`] after `timeout`.
    pub fn timeout(&self, timeout: Duration) -> SocketEmitter {
        let mut e = self.emitter();
        e.flags.timeout = Some(timeout);
        e
    }

    /// An emitter whose packets are dropped when the transport is not writable.
    pub fn volatile(&self) -> SocketEmitter {
        let mut e = self.emitter();
        e.flags.volatile = true;
        e
    }

    /// An emitter with the compress flag set.
    pub fn compress(&self, compress: bool) -> SocketEmitter {
        let mut e = self.emitter();
        e.flags.compress = Some(compress);
        e
    }

    fn emitter(&self) -> SocketEmitter {
        SocketEmitter {
            socket: self.clone(),
            flags: BroadcastFlags::default(),
        }
    }

    /// A broadcast to every socket of the namespace but this one.
    pub fn broadcast(&self) -> BroadcastOperator {
        self.0.nsp.broadcast().except(self.0.id.clone())
    }

    /// A broadcast to the room(s), excluding this socket (`socket.to(room).emit(...)`); across every server
    /// of a cluster.
    ///
    /// ```
    /// # use sio_server::Socket;
    /// # async fn on_connection(socket: Socket) -> Result<(), sio_server::EmitError> {
    /// socket.join("ops");
    /// socket.to("ops").emit("joined", socket.id()).await?; // the others in "ops"
    /// socket.to(["ops", "dev"]).except("muted").emit("alert", "disk full").await?;
    /// # Ok(()) }
    /// ```
    pub fn to(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// Same as [`Socket::to`].
    pub fn in_(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.to(rooms)
    }

    /// A broadcast to every socket but this one and those in the room(s).
    pub fn except(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.broadcast().except(rooms)
    }

    /// A broadcast, excluding this socket, to the sockets of this server only.
    pub fn local(&self) -> BroadcastOperator {
        self.broadcast().local()
    }

    /// Encodes and sends one packet of this namespace.
    pub(crate) fn send_packet(
        &self,
        data: PacketData,
        delivery: Delivery,
    ) -> Result<(), EmitError> {
        self.send_encoded(delivery, |parser, nsp| {
            parser.encode(&Packet {
                nsp: nsp.to_owned(),
                data,
            })
        })
    }

    /// Encodes and sends one EVENT packet of this namespace, its name and arguments not copied into a
    /// packet first.
    pub(crate) fn send_event(
        &self,
        event: &str,
        args: Vec<Value>,
        id: Option<u64>,
        delivery: Delivery,
    ) -> Result<(), EmitError> {
        self.send_encoded(delivery, |parser, nsp| {
            parser.encode_event(nsp, event, args, id)
        })
    }

    fn send_encoded(
        &self,
        delivery: Delivery,
        encode: impl FnOnce(&dyn Parser, &str) -> Result<Encoded, EncodeError>,
    ) -> Result<(), EmitError> {
        if !self.connected() {
            return Err(EmitError::Disconnected);
        }
        let encoded = encode(self.0.nsp.parser().as_ref(), self.0.nsp.name())?;
        // Its only recipient: the frames move to the queue rather than being shared with it.
        write_frames(
            self.conn(),
            &self.0.id,
            Cow::Owned(encoded.frames),
            delivery,
        )
    }

    /// Sends already encoded frames; volatile ones are dropped when the transport is not writable.
    pub(crate) fn write_encoded(&self, frames: &[Frame], delivery: Delivery) {
        write_encoded(self.conn(), &self.0.id, frames, delivery);
    }

    pub(crate) fn has_outgoing_listeners(&self) -> bool {
        self.0.listeners.has_outgoing()
    }

    pub(crate) fn notify_outgoing(&self, event: &str, args: &[Value]) {
        if let Some(listeners) = self.0.listeners.outgoing() {
            for f in listeners {
                f(self, event, args);
            }
        }
    }
}

/// Emits to one socket with flags (`socket.timeout(d)`, `socket.volatile()`, `socket.compress(b)`).
#[derive(Clone)]
pub struct SocketEmitter {
    socket: Socket,
    flags: BroadcastFlags,
}

impl SocketEmitter {
    /// Sets the acknowledgement timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.flags.timeout = Some(timeout);
        self
    }

    /// Drops the packet when the transport is not writable.
    pub fn volatile(mut self) -> Self {
        self.flags.volatile = true;
        self
    }

    /// Sets the compress flag.
    pub fn compress(mut self, compress: bool) -> Self {
        self.flags.compress = Some(compress);
        self
    }

    /// Emits an event (see [`Socket::emit`]).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        check_reserved(event)?;
        let args = sio_protocol::value::to_args(args)?;
        self.emit_args(event, args)
    }

    /// Emits an event with a list of arguments.
    pub fn emit_args(&self, event: &str, args: Vec<Value>) -> Result<(), EmitError> {
        check_reserved(event)?;
        let nsp = &self.socket.0.nsp;
        if nsp.connection_state_recovery().is_some() {
            // Through the adapter, to the socket's own room: the packet is stored (and gets its offset), so
            // the client can receive it again after a recovery, as in the official server.
            if !self.socket.connected() {
                return Err(EmitError::Disconnected);
            }
            let packet = sio_protocol::socket::Packet {
                nsp: nsp.name().to_owned(),
                data: PacketData::Event {
                    event: event.to_owned(),
                    args,
                    id: None,
                },
            };
            let opts = BroadcastOptions {
                rooms: std::iter::once(self.socket.0.id.clone()).collect(),
                except: Default::default(),
                flags: self.flags.clone(),
            };
            let adapter = nsp.adapter();
            crate::adapter::run_now_or_spawn(async move { adapter.broadcast(packet, opts).await });
            return Ok(());
        }
        self.socket.notify_outgoing(event, &args);
        self.socket
            .send_event(event, args, None, Delivery::of(&self.flags))
    }

    /// Emits an event now and returns the future of the acknowledgement, read as `R` (see
    /// [`Socket::emit_with_ack`]).
    pub fn emit_with_ack<T, R>(
        &self,
        event: &str,
        args: &T,
    ) -> impl Future<Output = Result<R, AckError>> + Send + 'static
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + 'static,
    {
        let answer = check_reserved(event)
            .and_then(|()| Ok(sio_protocol::value::to_args(args)?))
            .map(|args| self.emit_args_with_ack(event, args));
        async move { decode_answer(answer?.await?) }
    }

    /// Emits an event with a list of arguments now and returns the future of the acknowledgement's
    /// arguments.
    pub fn emit_args_with_ack(
        &self,
        event: &str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<Vec<Value>, AckError>> + Send + 'static {
        let sent = self.send_with_ack(event, args);
        let socket = self.socket.clone();
        let timeout = self.flags.timeout;
        async move {
            let (id, rx) = sent?;
            let Some(timeout) = timeout else {
                return rx.await.map_err(|_| AckError::Disconnected);
            };
            match tokio::time::timeout(timeout, rx).await {
                Ok(answer) => answer.map_err(|_| AckError::Disconnected),
                Err(_) => {
                    socket.remove_ack(id);
                    Err(AckError::Timeout {
                        timeout,
                        responses: Vec::new(),
                    })
                }
            }
        }
    }

    /// Sends an event that asks for an acknowledgement; its id and the receiver of the answer.
    fn send_with_ack(
        &self,
        event: &str,
        args: Vec<Value>,
    ) -> Result<(u64, oneshot::Receiver<Vec<Value>>), EmitError> {
        check_reserved(event)?;
        let socket = &self.socket;
        let id = socket.0.nsp.0.next_ack_id();
        let rx = socket.register_ack(id);
        socket.notify_outgoing(event, &args);
        if let Err(e) = socket.send_event(event, args, Some(id), Delivery::of(&self.flags)) {
            socket.remove_ack(id);
            return Err(e);
        }
        Ok((id, rx))
    }
}

/// Sends frames encoded for socket `sid` on its connection `conn`, logging a failure; volatile ones
/// are dropped when the transport is not writable. A broadcast reaches each recipient through here.
pub(crate) fn write_encoded(conn: &EngineSocket, sid: &str, frames: &[Frame], delivery: Delivery) {
    if let Err(e) = write_frames(conn, sid, Cow::Borrowed(frames), delivery) {
        tracing::debug!(sid, error = %e, "packet not delivered");
    }
}

fn write_frames(
    conn: &EngineSocket,
    sid: &str,
    frames: Cow<'_, [Frame]>,
    delivery: Delivery,
) -> Result<(), EmitError> {
    if delivery.volatile && !conn.is_writable() {
        tracing::trace!(sid, "volatile packet dropped: transport not writable");
        return Ok(());
    }
    let bytes = frames.iter().map(Frame::len).sum();
    match frames {
        Cow::Borrowed(frames) => conn.send_with(frames, delivery.compress),
        Cow::Owned(frames) => conn.send_owned(frames, delivery.compress),
    }
    .map_err(|e| match e {
        SendError::Closed => EmitError::Disconnected,
        SendError::Full => EmitError::QueueFull,
    })?;
    crate::metrics::packet_sent(bytes);
    Ok(())
}
