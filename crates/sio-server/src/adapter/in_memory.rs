//! The in-memory adapter: rooms of the sockets connected to this server, and the local side of every
//! operation.

use super::session_store::SessionStore;
use super::{
    AckCollector, Adapter, AdapterFactory, BroadcastOptions, NamespaceHandle, Room, Session,
    SessionToPersist, SocketDetails, SocketId,
};
use crate::errors::AdapterError;
use crate::socket::Socket;
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
    rooms: HashMap<Room, HashSet<SocketId>>,
    sids: HashMap<SocketId, HashSet<Room>>,
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
        self.read().rooms.keys().cloned().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Rooms> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Rooms> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` over the ids selected by `opts`, de-duplicated, in a stable order, while the rooms are
    /// read (so callers need not copy the ids).
    fn with_selected<R>(
        &self,
        opts: &BroadcastOptions,
        f: impl FnOnce(&mut dyn Iterator<Item = &SocketId>) -> R,
    ) -> R {
        let state = self.read();
        let mut except: HashSet<&SocketId> = HashSet::new();
        for room in &opts.except {
            if let Some(ids) = state.rooms.get(room) {
                except.extend(ids);
            }
        }
        if opts.rooms.is_empty() {
            f(&mut state.sids.keys().filter(|id| !except.contains(id)))
        } else {
            let mut seen: HashSet<&SocketId> = HashSet::new();
            f(&mut opts
                .rooms
                .iter()
                .filter_map(|room| state.rooms.get(room))
                .flatten()
                .filter(|id| !except.contains(id) && seen.insert(id)))
        }
    }

    /// The ids selected by `opts`, de-duplicated, in a stable order.
    fn select_ids(&self, opts: &BroadcastOptions) -> Vec<SocketId> {
        self.with_selected(opts, |ids| ids.cloned().collect())
    }

    /// The local sockets selected by `opts`.
    pub fn select(&self, opts: &BroadcastOptions) -> Vec<Socket> {
        // Looked up by reference while the rooms are read: no id is copied per recipient.
        self.with_selected(opts, |ids| self.nsp.sockets_by_id_refs(ids))
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
        let packet = recorded.as_ref().unwrap_or(packet);
        let encoded = self
            .nsp
            .encode(packet)
            .map_err(|e| AdapterError::Backend(e.to_string()))?;
        let (event, args) = match &packet.data {
            PacketData::Event { event, args, .. } => (event.as_str(), args.as_slice()),
            _ => ("", &[][..]),
        };
        for socket in self.select(opts) {
            socket.notify_outgoing(event, args);
            socket.write_encoded(&encoded.frames, opts.flags.volatile);
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
            socket.write_encoded(&encoded.frames, false);
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

impl Adapter for InMemoryAdapter {
    fn add_all(&self, id: &str, rooms: &[Room]) {
        let mut state = self.write();
        let state = &mut *state;
        let joined = state.sids.entry(id.to_owned()).or_default();
        for room in rooms {
            joined.insert(room.clone());
            state
                .rooms
                .entry(room.clone())
                .or_default()
                .insert(id.to_owned());
        }
    }

    fn del(&self, id: &str, room: &str) {
        let mut state = self.write();
        if let Some(joined) = state.sids.get_mut(id) {
            joined.remove(room);
        }
        if let Some(members) = state.rooms.get_mut(room) {
            members.remove(id);
            if members.is_empty() {
                state.rooms.remove(room);
            }
        }
    }

    fn del_all(&self, id: &str) {
        let mut state = self.write();
        let Some(joined) = state.sids.remove(id) else {
            return;
        };
        for room in joined {
            if let Some(members) = state.rooms.get_mut(&room) {
                members.remove(id);
                if members.is_empty() {
                    state.rooms.remove(&room);
                }
            }
        }
    }

    fn socket_rooms(&self, id: &str) -> Option<Vec<Room>> {
        self.read()
            .sids
            .get(id)
            .map(|rooms| rooms.iter().cloned().collect())
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
