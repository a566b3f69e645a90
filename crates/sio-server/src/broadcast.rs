//! The broadcast operator: selects sockets by rooms (`to`, `in_`, `except`), sets flags (`local`, `volatile`,
//! `compress`, `timeout`), then emits or runs a server-side operation through the adapter.

use crate::adapter::{AckCollector, AckUpdate, Adapter, BroadcastOptions, Room};
use crate::errors::{check_reserved, AckError, AdapterError, EmitError};
use crate::remote_socket::RemoteSocket;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::Value;
use std::sync::Arc;
use std::time::Duration;

/// One room or several: `"room"`, `String`, `vec!["a", "b"]`, `["a", "b"]`, `&[..]`.
pub trait RoomParam {
    /// The rooms.
    fn into_rooms(self) -> Vec<Room>;
}

impl RoomParam for &str {
    fn into_rooms(self) -> Vec<Room> {
        vec![self.to_owned()]
    }
}
impl RoomParam for String {
    fn into_rooms(self) -> Vec<Room> {
        vec![self]
    }
}
impl RoomParam for &String {
    fn into_rooms(self) -> Vec<Room> {
        vec![self.clone()]
    }
}
impl<T: Into<String>> RoomParam for Vec<T> {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().map(Into::into).collect()
    }
}
impl<T: Into<String>, const N: usize> RoomParam for [T; N] {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().map(Into::into).collect()
    }
}
impl<T: Into<String> + Clone> RoomParam for &[T] {
    fn into_rooms(self) -> Vec<Room> {
        self.iter().cloned().map(Into::into).collect()
    }
}

/// What an operator needs of the namespace it addresses, as `broadcast-operator.ts` holds it: the name, the
/// adapter, ack ids, and the removal of a broadcast's pending acks from the local sockets when it times out.
pub(crate) trait Scope: Send + Sync {
    /// The namespace name.
    fn name(&self) -> &str;
    /// The namespace's adapter.
    fn adapter(&self) -> &Arc<dyn Adapter>;
    /// A fresh ack id, shared by every recipient of one broadcast.
    fn next_ack_id(&self) -> u64;
    /// Forgets the pending acks with this id on the local sockets.
    fn forget_acks(&self, id: u64);
}

/// A parent namespace, for an operator over all its children.
pub(crate) trait Family: Send + Sync {
    /// The children that exist now.
    fn members(&self) -> Vec<Arc<dyn Scope>>;
}

#[derive(Clone)]
enum Target {
    One(Arc<dyn Scope>),
    Family(Arc<dyn Family>),
}

/// A selection of sockets and flags; every method returns a new operator, and the final call (`emit`,
/// `fetch_sockets`...) goes through the adapter, so it reaches every server of a cluster unless `local()`.
/// Rooms add up (`to("a").to("b")`: in a or b), `except` removes, and the packet is encoded once for every
/// recipient.
///
/// ```
/// # use sio_server::{Server, Socket};
/// # use std::time::Duration;
/// # async fn run(io: Server, socket: Socket) -> Result<(), Box<dyn std::error::Error>> {
/// io.emit("news", "to everyone").await?;
/// io.to("room1").to("room2").except("room3").emit("news", &("in 1 or 2", "not 3")).await?;
/// io.of("/admin").to("ops").volatile().emit("tick", &1).await?; // dropped where not writable
/// socket.broadcast().emit("left", socket.id()).await?; // everyone but `socket`
/// io.local().emit("here only", &()).await?; // this server's sockets only, in a cluster
///
/// // One answer per client, within the timeout.
/// let votes: Vec<bool> = io.timeout(Duration::from_secs(2)).emit_with_ack("vote", &()).await?;
///
/// // Remote control, cluster-wide.
/// for s in io.in_("room1").fetch_sockets().await? {
///     println!("{} is in {:?}", s.id(), s.rooms());
/// }
/// io.in_("room1").sockets_join("room4").await?;
/// io.in_("room4").disconnect_sockets(true).await?;
/// # let _ = votes;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct BroadcastOperator {
    target: Target,
    opts: BroadcastOptions,
    single: bool,
}

impl BroadcastOperator {
    pub(crate) fn new(nsp: Arc<dyn Scope>) -> Self {
        BroadcastOperator {
            target: Target::One(nsp),
            opts: BroadcastOptions::default(),
            single: false,
        }
    }

    pub(crate) fn for_parent(parent: Arc<dyn Family>) -> Self {
        BroadcastOperator {
            target: Target::Family(parent),
            opts: BroadcastOptions::default(),
            single: false,
        }
    }

    /// An operator addressing one socket id and expecting a single answer (remote sockets).
    pub(crate) fn single(nsp: Arc<dyn Scope>, id: String) -> Self {
        let mut op = Self::new(nsp).to(id);
        op.single = true;
        op
    }

    /// Targets the room(s) too (union, without duplicates).
    pub fn to(mut self, rooms: impl RoomParam) -> Self {
        self.opts.rooms.extend(rooms.into_rooms());
        self
    }

    /// Same as [`BroadcastOperator::to`].
    pub fn in_(self, rooms: impl RoomParam) -> Self {
        self.to(rooms)
    }

    /// Excludes the sockets in the room(s) (or with the given ids).
    pub fn except(mut self, rooms: impl RoomParam) -> Self {
        self.opts.except.extend(rooms.into_rooms());
        self
    }

    /// Only the sockets connected to this server.
    pub fn local(mut self) -> Self {
        self.opts.flags.local = true;
        self
    }

    /// Drops the packet for recipients whose transport is not writable right now.
    pub fn volatile(mut self) -> Self {
        self.opts.flags.volatile = true;
        self
    }

    /// Sets the compress flag.
    pub fn compress(mut self, compress: bool) -> Self {
        self.opts.flags.compress = Some(compress);
        self
    }

    /// How long `emit_with_ack` waits for the answers.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.opts.flags.timeout = Some(timeout);
        self
    }

    /// The options this operator passes to the adapter.
    pub fn options(&self) -> &BroadcastOptions {
        &self.opts
    }

    fn namespaces(&self) -> Vec<Arc<dyn Scope>> {
        match &self.target {
            Target::One(nsp) => vec![nsp.clone()],
            Target::Family(parent) => parent.members(),
        }
    }

    /// Emits an event to the selected sockets (see [`crate::Socket::emit`] for `args`). The packet is
    /// encoded once and shared by every recipient.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        check_reserved(event)?;
        let args = sio_protocol::value::to_args(args)?;
        self.emit_args(event, args).await
    }

    /// Emits an event with a list of arguments.
    pub async fn emit_args(&self, event: &str, args: Vec<Value>) -> Result<(), EmitError> {
        check_reserved(event)?;
        for nsp in self.namespaces() {
            let packet = Packet {
                nsp: nsp.name().to_owned(),
                data: PacketData::Event {
                    event: event.to_owned(),
                    args: args.clone(),
                    id: None,
                },
            };
            nsp.adapter().broadcast(packet, self.opts.clone()).await?;
        }
        Ok(())
    }

    /// Emits an event and collects the acknowledgement of every selected client (each answer's first
    /// argument, read as `R`). All recipients share one ack id. Without a timeout, waits until every client
    /// answered or disconnected.
    pub async fn emit_with_ack<T, R>(&self, event: &str, args: &T) -> Result<Vec<R>, AckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + 'static,
    {
        check_reserved(event)?;
        let args = sio_protocol::value::to_args(args).map_err(EmitError::from)?;
        let answers = self.emit_args_with_ack(event, args).await?;
        answers
            .into_iter()
            .map(|v| crate::args::decode_answer(vec![v]))
            .collect()
    }

    /// Like [`BroadcastOperator::emit_with_ack`], with a list of arguments and the raw answers.
    pub async fn emit_args_with_ack(
        &self,
        event: &str,
        args: Vec<Value>,
    ) -> Result<Vec<Value>, AckError> {
        check_reserved(event)?;
        let Target::One(nsp) = &self.target else {
            return Err(AdapterError::Unsupported("emit_with_ack on a parent namespace").into());
        };
        let adapter = nsp.adapter();
        let id = nsp.next_ack_id();
        let packet = Packet {
            nsp: nsp.name().to_owned(),
            data: PacketData::Event {
                event: event.to_owned(),
                args,
                id: Some(id),
            },
        };
        let (collector, mut rx) = AckCollector::new();
        let servers = if self.opts.flags.local {
            1
        } else {
            adapter.server_count().await?
        };
        adapter
            .broadcast_with_ack(packet, self.opts.clone(), collector)
            .await?;
        let deadline = self
            .opts
            .flags
            .timeout
            .map(|t| tokio::time::Instant::now() + t);
        let mut reported = 0;
        let mut expected = 0;
        let mut responses = Vec::new();
        loop {
            if reported >= servers && responses.len() >= expected {
                return Ok(responses);
            }
            let update = match deadline {
                None => rx.recv().await,
                Some(deadline) => match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(update) => update,
                    Err(_) => {
                        nsp.forget_acks(id);
                        return Err(AckError::Timeout {
                            timeout: self.opts.flags.timeout.unwrap_or_default(),
                            responses,
                        });
                    }
                },
            };
            match update {
                Some(AckUpdate::Expect(n)) => {
                    reported += 1;
                    expected += n;
                }
                Some(AckUpdate::Answer(v)) => responses.push(v),
                None => return Err(AckError::Disconnected),
            }
        }
    }

    /// Emits and waits for a single socket's answer (remote sockets).
    pub(crate) async fn emit_args_with_single_ack(
        &self,
        event: &str,
        args: Vec<Value>,
    ) -> Result<Value, AckError> {
        debug_assert!(self.single);
        let mut answers = self.emit_args_with_ack(event, args).await?;
        if answers.is_empty() {
            return Err(AckError::Disconnected);
        }
        Ok(answers.swap_remove(0))
    }

    /// The selected sockets, on every server (not on a parent namespace).
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        let Target::One(nsp) = &self.target else {
            return Err(AdapterError::Unsupported(
                "fetch_sockets on a parent namespace",
            ));
        };
        let details = nsp.adapter().fetch_sockets(self.opts.clone()).await?;
        Ok(details
            .into_iter()
            .map(|d| RemoteSocket::new(nsp.clone(), d))
            .collect())
    }

    /// Makes the selected sockets join the room(s).
    pub async fn sockets_join(&self, rooms: impl RoomParam) -> Result<(), AdapterError> {
        let rooms = rooms.into_rooms();
        for nsp in self.namespaces() {
            nsp.adapter()
                .add_sockets(self.opts.clone(), rooms.clone())
                .await?;
        }
        Ok(())
    }

    /// Makes the selected sockets leave the room(s).
    pub async fn sockets_leave(&self, rooms: impl RoomParam) -> Result<(), AdapterError> {
        let rooms = rooms.into_rooms();
        for nsp in self.namespaces() {
            nsp.adapter()
                .del_sockets(self.opts.clone(), rooms.clone())
                .await?;
        }
        Ok(())
    }

    /// Disconnects the selected sockets (`close`: also their underlying connection).
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        for nsp in self.namespaces() {
            nsp.adapter()
                .disconnect_sockets(self.opts.clone(), close)
                .await?;
        }
        Ok(())
    }

    /// The ids of the selected sockets (rooms only; `except` is not applied, as in the official API).
    pub async fn all_sockets(&self) -> Result<Vec<String>, AdapterError> {
        let mut out = Vec::new();
        for nsp in self.namespaces() {
            out.extend(nsp.adapter().sockets(self.opts.rooms.clone()).await?);
        }
        Ok(out)
    }
}
