//! The in-memory adapter: rooms of the sockets connected to this server, and the local side of every
//! operation.

use super::session_store::SessionStore;
use super::{
    AckCollector, Adapter, AdapterFactory, BroadcastOptions, NamespaceHandle, Room, Session,
    SessionToPersist, SocketDetails, SocketId,
};
use crate::delivery::Delivery;
use crate::engine::EngineSocket;
use crate::errors::AdapterError;
use crate::observe::RoomChange;
use crate::socket::{self, Socket};
use futures_util::future::BoxFuture;
use sio_protocol::socket::{Packet, PacketData};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// Creates an [`InMemoryAdapter`] for each namespace (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct InMemoryAdapterFactory;

impl AdapterFactory for InMemoryAdapterFactory {
    fn create(&self, nsp: NamespaceHandle) -> Arc<dyn Adapter> {
        Arc::new(InMemoryAdapter::new(nsp))
    }
}

#[derive(Default)]
struct Rooms {
    /// The local sockets in any room, with their handles: a broadcast reaches them without a lookup.
    members: HashMap<SocketId, Member>,
    /// The members of each room, but for the sockets' own rooms (see [`Member::own_room`]).
    rooms: HashMap<Room, HashSet<SocketId>>,
}

struct Member {
    socket: Socket,
    /// The socket's connection, one step nearer for broadcasts.
    conn: EngineSocket,
    /// Whether the socket is in the room named by its id. Every socket is, so that room is not kept in
    /// `rooms` (one map entry and one set per socket).
    own_room: bool,
    /// The other rooms it is in.
    joined: Vec<Room>,
}

impl Rooms {
    /// Calls `f` once for each member `opts` selects.
    fn selected<'a>(
        &'a self,
        opts: &BroadcastOptions,
        mut f: impl FnMut(&'a SocketId, &'a Member),
    ) {
        let mut except: HashSet<&str> = HashSet::new();
        for room in &opts.except {
            except.extend(self.in_room(room).map(|(id, _)| id.as_str()));
        }
        if opts.rooms.is_empty() {
            for (id, member) in &self.members {
                if !except.contains(id.as_str()) {
                    f(id, member);
                }
            }
            return;
        }
        // A socket may be in several of the rooms: each is reached once.
        let mut seen: HashSet<&str> = HashSet::new();
        let several = opts.rooms.len() > 1;
        for room in &opts.rooms {
            for (id, member) in self.in_room(room) {
                if !except.contains(id.as_str()) && (!several || seen.insert(id)) {
                    f(id, member);
                }
            }
        }
    }

    /// The members of a room.
    fn in_room<'a>(
        &'a self,
        room: &str,
    ) -> impl Iterator<Item = (&'a SocketId, &'a Member)> + use<'a> {
        let own = self
            .members
            .get_key_value(room)
            .filter(|(_, member)| member.own_room);
        let others = self
            .rooms
            .get(room)
            .into_iter()
            .flatten()
            .filter_map(|id| self.members.get_key_value(id.as_str()));
        own.into_iter().chain(others)
    }
}

/// Rooms and operations for the sockets of one namespace on this server.
///
/// Cluster adapters wrap one and call its methods for the local part of each operation.
///
/// When the server has connection state recovery on, it is also session-aware (the official
/// `SessionAwareAdapter`): it keeps disconnected sessions and a log of broadcast events, each for
/// `max_disconnection_duration`, the log bounded by `max_stored_packets` (oldest dropped first).
pub struct InMemoryAdapter {
    nsp: NamespaceHandle,
    state: RwLock<Rooms>,
    sessions: Option<SessionStore>,
}

impl InMemoryAdapter {
    /// An empty adapter for the namespace.
    pub fn new(nsp: NamespaceHandle) -> Self {
        let sessions = nsp.connection_state_recovery().map(SessionStore::new);
        InMemoryAdapter {
            nsp,
            state: RwLock::new(Rooms::default()),
            sessions,
        }
    }

    /// The namespace this adapter serves.
    pub fn namespace(&self) -> &NamespaceHandle {
        &self.nsp
    }

    /// The rooms that currently have members.
    pub fn rooms(&self) -> Vec<Room> {
        let state = self.read();
        let own = state
            .members
            .iter()
            .filter(|(_, m)| m.own_room)
            .map(|(id, _)| id.clone());
        own.chain(state.rooms.keys().cloned()).collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Rooms> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Rooms> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The ids selected by `opts`.
    fn select_ids(&self, opts: &BroadcastOptions) -> Vec<SocketId> {
        let mut ids = Vec::new();
        self.read().selected(opts, |id, _| ids.push(id.clone()));
        ids
    }

    /// The local sockets selected by `opts`.
    pub fn select(&self, opts: &BroadcastOptions) -> Vec<Socket> {
        let mut sockets = Vec::new();
        self.read()
            .selected(opts, |_, member| sockets.push(member.socket.clone()));
        sockets
    }

    /// With connection state recovery, stores an EVENT without ack that is not volatile and appends its
    /// offset as its last argument (the packet to send then); otherwise `None`.
    pub fn record_for_recovery(&self, packet: &Packet, opts: &BroadcastOptions) -> Option<Packet> {
        let store = self.sessions.as_ref()?;
        match &packet.data {
            PacketData::Event {
                event,
                args,
                id: None,
            } if !opts.flags.volatile => {
                let offset = store.record(event, args, opts);
                let mut args = args.clone();
                args.push(sio_protocol::Value::String(offset));
                Some(Packet {
                    nsp: packet.nsp.clone(),
                    data: PacketData::Event {
                        event: event.clone(),
                        args,
                        id: None,
                    },
                })
            }
            _ => None,
        }
    }

    /// Sends a packet to the local sockets `opts` selects, encoding it once (after
    /// [`record_for_recovery`](Self::record_for_recovery) when recovery is on).
    pub fn broadcast_local(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
    ) -> Result<(), AdapterError> {
        let recorded = self.record_for_recovery(packet, opts);
        self.broadcast_local_unrecorded(recorded.as_ref().unwrap_or(packet), opts)
    }

    /// Like [`broadcast_local`](Self::broadcast_local), without recording the packet for recovery: for a
    /// cluster adapter whose transport already gave it an offset (appended to its arguments).
    pub fn broadcast_local_unrecorded(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
    ) -> Result<(), AdapterError> {
        let encoded = self
            .nsp
            .encode(packet)
            .map_err(|e| AdapterError::Backend(e.to_string()))?;
        let (event, args) = match &packet.data {
            PacketData::Event { event, args, .. } => (event.as_str(), args.as_slice()),
            _ => ("", &[][..]),
        };
        let delivery = Delivery::of(&opts.flags);
        // A recipient costs one push on its connection's queue. The outgoing catch-all listeners of the
        // few sockets that have some run once the rooms are no longer read, since they may join or leave.
        let mut observed = Vec::new();
        self.read().selected(opts, |_, member| {
            if member.socket.has_outgoing_listeners() {
                observed.push(member.socket.clone());
            } else {
                socket::write_encoded(&member.conn, member.socket.id(), &encoded.frames, delivery);
            }
        });
        for socket in observed {
            socket.notify_outgoing(event, args);
            socket.write_encoded(&encoded.frames, delivery);
        }
        Ok(())
    }

    /// Sends a packet carrying an ack id to the local sockets `opts` selects; reports them and their answers
    /// to `acks`.
    pub fn broadcast_with_ack_local(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
        acks: &AckCollector,
    ) -> Result<(), AdapterError> {
        let encoded = self
            .nsp
            .encode(packet)
            .map_err(|e| AdapterError::Backend(e.to_string()))?;
        let (event, args, id) = match &packet.data {
            PacketData::Event { event, args, id } => (event.as_str(), args.as_slice(), *id),
            _ => ("", &[][..], None),
        };
        let Some(id) = id else {
            return Err(AdapterError::Backend(
                "broadcast with ack needs an ack id".into(),
            ));
        };
        let sockets = self.select(opts);
        let mut count = 0;
        for socket in sockets {
            if opts.flags.volatile && !socket.is_writable() {
                continue;
            }
            socket.register_broadcast_ack(id, acks.clone());
            socket.notify_outgoing(event, args);
            // Volatility was decided above, before the ack was registered.
            let delivery = Delivery {
                volatile: false,
                ..Delivery::of(&opts.flags)
            };
            socket.write_encoded(&encoded.frames, delivery);
            count += 1;
        }
        acks.expect(count);
        Ok(())
    }

    /// The local sockets `opts` selects, as details.
    pub fn fetch_sockets_local(&self, opts: &BroadcastOptions) -> Vec<SocketDetails> {
        self.select(opts).iter().map(Socket::details).collect()
    }

    /// Makes the local sockets `opts` selects join `rooms`.
    pub fn add_sockets_local(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.select(opts) {
            socket.join(rooms.to_vec());
        }
    }

    /// Makes the local sockets `opts` selects leave `rooms`.
    pub fn del_sockets_local(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.select(opts) {
            for room in rooms {
                socket.leave(room.as_str());
            }
        }
    }

    /// Disconnects the local sockets `opts` selects.
    pub fn disconnect_sockets_local(&self, opts: &BroadcastOptions, close: bool) {
        for socket in self.select(opts) {
            socket.disconnect(close);
        }
    }
}

fn joined(room: &str, id: &str) -> RoomChange {
    RoomChange::Joined {
        room: room.to_owned(),
        id: id.to_owned(),
    }
}

fn left_room(room: &str, id: &str) -> RoomChange {
    RoomChange::Left {
        room: room.to_owned(),
        id: id.to_owned(),
    }
}

impl Adapter for InMemoryAdapter {
    fn add_all(&self, id: &str, rooms: &[Room]) {
        // A new member's handle is found before the rooms are locked.
        let socket = match self.read().members.contains_key(id) {
            true => None,
            false => match self.nsp.socket(id) {
                Some(socket) => Some(socket),
                None => {
                    tracing::debug!(sid = id, "not a local socket: rooms not joined");
                    return;
                }
            },
        };
        let mut guard = self.write();
        let state = &mut *guard;
        if !state.members.contains_key(id) {
            // Checked under the lock that `del_all` takes after the socket stopped being connected:
            // a join racing with the disconnection cannot leave the socket behind.
            let Some(socket) = socket.filter(Socket::connected) else {
                return;
            };
            let member = Member {
                conn: socket.conn().clone(),
                socket,
                own_room: false,
                joined: Vec::new(),
            };
            state.members.insert(id.to_owned(), member);
        }
        let Some(member) = state.members.get_mut(id) else {
            return;
        };
        let observed = self.nsp.rooms_observed();
        let mut changes = Vec::new();
        for room in rooms {
            if room == id {
                if !member.own_room && observed {
                    changes.push(joined(room, id));
                }
                member.own_room = true;
            } else if !member.joined.contains(room) {
                member.joined.push(room.clone());
                state
                    .rooms
                    .entry(room.clone())
                    .or_default()
                    .insert(id.to_owned());
                if observed {
                    changes.push(joined(room, id));
                }
            }
        }
        drop(guard);
        if !changes.is_empty() {
            self.nsp.rooms_changed(&changes);
        }
    }

    fn del(&self, id: &str, room: &str) {
        let mut state = self.write();
        let Some(member) = state.members.get_mut(id) else {
            return;
        };
        let left = if room == id {
            std::mem::replace(&mut member.own_room, false)
        } else {
            let before = member.joined.len();
            member.joined.retain(|r| r != room);
            let left = member.joined.len() != before;
            if let Some(members) = state.rooms.get_mut(room) {
                members.remove(id);
                if members.is_empty() {
                    state.rooms.remove(room);
                }
            }
            left
        };
        drop(state);
        if left && self.nsp.rooms_observed() {
            self.nsp.rooms_changed(&[left_room(room, id)]);
        }
    }

    fn del_all(&self, id: &str) {
        let mut state = self.write();
        let Some(member) = state.members.remove(id) else {
            return;
        };
        for room in &member.joined {
            if let Some(members) = state.rooms.get_mut(room) {
                members.remove(id);
                if members.is_empty() {
                    state.rooms.remove(room);
                }
            }
        }
        drop(state);
        if self.nsp.rooms_observed() {
            let own = member.own_room.then(|| left_room(id, id));
            let changes: Vec<RoomChange> = own
                .into_iter()
                .chain(member.joined.iter().map(|room| left_room(room, id)))
                .collect();
            self.nsp.rooms_changed(&changes);
        }
    }

    fn socket_rooms(&self, id: &str) -> Option<Vec<Room>> {
        let state = self.read();
        let member = state.members.get(id)?;
        let own = member.own_room.then(|| id.to_owned());
        Some(
            own.into_iter()
                .chain(member.joined.iter().cloned())
                .collect(),
        )
    }

    fn sockets(&self, rooms: HashSet<Room>) -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>> {
        let opts = BroadcastOptions {
            rooms,
            ..Default::default()
        };
        let ids = self.select_ids(&opts);
        Box::pin(async move { Ok(ids) })
    }

    fn broadcast(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        let result = self.broadcast_local(&packet, &opts);
        Box::pin(async move { result })
    }

    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
        acks: AckCollector,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        let result = self.broadcast_with_ack_local(&packet, &opts, &acks);
        Box::pin(async move { result })
    }

    fn persist_session(
        &self,
        session: SessionToPersist,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        if let Some(store) = &self.sessions {
            store.persist(session);
        }
        Box::pin(async { Ok(()) })
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, Result<Option<Session>, AdapterError>> {
        let session = self
            .sessions
            .as_ref()
            .and_then(|store| store.restore(&pid, &offset));
        Box::pin(async move { Ok(session) })
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketDetails>, AdapterError>> {
        let sockets = self.fetch_sockets_local(&opts);
        Box::pin(async move { Ok(sockets) })
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.add_sockets_local(&opts, &rooms);
        Box::pin(async { Ok(()) })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.del_sockets_local(&opts, &rooms);
        Box::pin(async { Ok(()) })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.disconnect_sockets_local(&opts, close);
        Box::pin(async { Ok(()) })
    }
}
