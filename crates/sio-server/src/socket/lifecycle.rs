//! A socket's life: connection (with a recovered session's rooms and missed packets), disconnection and
//! its description for `fetch_sockets`.

use super::Socket;
use crate::adapter::{MissedPacket, SessionToPersist, SocketDetails};
use crate::delivery::Delivery;
use crate::listeners::Entry;
use crate::reason::DisconnectReason;
use crate::sync::lock;
use sio_protocol::socket::PacketData;
use sio_protocol::Value;
use std::sync::atomic::Ordering;

impl Socket {
    /// Disconnects this socket from its namespace; with `close`, also closes the underlying connection
    /// (every namespace of the client).
    pub fn disconnect(&self, close: bool) {
        if !self.connected() {
            return;
        }
        if close {
            self.0.client.disconnect_all();
        } else {
            let _ = self.send_packet(PacketData::Disconnect, Delivery::PLAIN);
            self.on_close(DisconnectReason::ServerNamespaceDisconnect);
        }
    }

    /// This socket as `fetch_sockets` describes it.
    pub fn details(&self) -> SocketDetails {
        SocketDetails {
            id: self.0.id.clone(),
            handshake: self.0.handshake.clone(),
            rooms: self.rooms(),
            data: self.data_value(),
        }
    }

    /// Marks the socket connected (it now receives the client's packets, queued behind its connection job).
    pub(crate) fn mark_connected(&self) {
        self.0.connected.store(true, Ordering::Release);
        crate::metrics::socket_connected(self.0.nsp.name());
    }

    /// For a recovered socket, right after [`Socket::mark_connected`]: joins its rooms again and writes the
    /// packets it missed, before anything else can be broadcast to it (so nothing falls between the
    /// restored log and the live broadcasts) and before the CONNECT answer, as in the official server: the
    /// client keeps them in its receive buffer and delivers them when the CONNECT answer arrives.
    pub(crate) fn restore_state(&self) {
        let Some((rooms, missed)) = lock(&self.0.state)
            .restored
            .take()
            .map(|restored| *restored)
        else {
            return;
        };
        let mut all = vec![self.0.id.clone()];
        all.extend(rooms.into_iter().filter(|r| *r != self.0.id));
        self.0.nsp.adapter().add_all(&self.0.id, &all);
        for MissedPacket { event, args } in missed {
            let _ = self.send_packet(
                PacketData::Event {
                    event,
                    args,
                    id: None,
                },
                Delivery::PLAIN,
            );
        }
    }

    /// Undoes [`Socket::mark_connected`] when the client closed before the socket could be attached.
    pub(crate) fn abort_connect(&self) {
        if self.0.connected.swap(false, Ordering::AcqRel) {
            crate::metrics::socket_disconnected(self.0.nsp.name());
        }
        self.0.nsp.adapter().del_all(&self.0.id);
        self.0.jobs.close();
    }

    /// Joins the socket's own room and sends the CONNECT answer; the socket's first job, so that nothing
    /// reaches the client before it and the connection handlers start before any event. Whether the answer
    /// went out: then the connection handlers run, even if the socket disconnects meanwhile (its
    /// disconnection listeners run after them).
    pub(crate) fn on_connect(&self) -> bool {
        if !self.connected() {
            return false;
        }
        let adapter = self.0.nsp.adapter();
        adapter.add_all(&self.0.id, std::slice::from_ref(&self.0.id));
        if !self.connected() {
            adapter.del_all(&self.0.id);
            return false;
        }
        let mut map = sio_protocol::value::Map::new();
        map.insert("sid".into(), Value::String(self.0.id.clone()));
        if let Some(pid) = &self.0.pid {
            map.insert("pid".into(), Value::String(pid.clone()));
        }
        // A Socket.IO 2.x client takes a CONNECT answer without payload.
        let payload = (!crate::legacy::is_legacy(self.conn())).then_some(Value::Object(map));
        self.send_packet(PacketData::Connect(payload), Delivery::PLAIN)
            .is_ok()
    }

    /// Removes the socket from its namespace and rooms, then runs the `disconnecting` and `disconnect`
    /// listeners. Idempotent.
    pub(crate) fn on_close(&self, reason: DisconnectReason) {
        if !self.0.connected.swap(false, Ordering::AcqRel) {
            return;
        }
        crate::metrics::socket_disconnected(self.0.nsp.name());
        tracing::debug!(sid = %self.0.id, nsp = self.0.nsp.name(), %reason, "socket disconnected");
        let adapter = self.0.nsp.adapter();
        let rooms = adapter.socket_rooms(&self.0.id).unwrap_or_default();
        if let Some(pid) = &self.0.pid {
            if reason.is_recoverable() {
                let session = SessionToPersist {
                    sid: self.0.id.clone(),
                    pid: pid.clone(),
                    rooms: rooms.clone(),
                    data: self.data_value(),
                };
                let adapter = adapter.clone();
                crate::adapter::run_now_or_spawn(
                    async move { adapter.persist_session(session).await },
                );
            }
        }
        lock(&self.0.state).closing_rooms = Some(rooms);
        adapter.del_all(&self.0.id);
        self.0.nsp.remove_socket(&self.0.id);
        self.0.client.remove_socket(self.0.nsp.name());
        lock(&self.0.state).acks.clear();
        let socket = self.clone();
        self.run(Box::pin(async move {
            let disconnecting = socket.0.listeners.collect(|e| match e {
                Entry::Disconnecting(f) => Some(f),
                _ => None,
            });
            let disconnect = socket.0.listeners.collect(|e| match e {
                Entry::Disconnect(f) => Some(f),
                _ => None,
            });
            for f in disconnecting {
                f(socket.clone(), reason).await;
            }
            lock(&socket.0.state).closing_rooms = Some(Vec::new());
            for f in disconnect {
                f(socket.clone(), reason).await;
            }
            // Drop the listeners: they may hold clones of this socket.
            socket.0.listeners.clear();
        }));
        self.0.jobs.close();
    }
}
