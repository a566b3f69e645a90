//! A client: one Engine.IO session, multiplexing the namespaces it joined. Decodes incoming frames and
//! routes each packet to its socket.

use crate::config::ServerConfig;
use crate::engine::{CloseReason, EngineSocket};
use crate::reason::DisconnectReason;
use crate::registry::Namespaces;
use crate::socket::Socket;
use crate::sync::lock;
use sio_protocol::engine::Packet as EnginePacket;
use sio_protocol::parser::Decoder;
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::Value;
use std::sync::{Arc, Mutex, Weak};

#[derive(Default)]
struct State {
    /// One socket per namespace joined (a client joins few: a list beats a map).
    sockets: Vec<Socket>,
    /// A namespace was joined: the connect timeout no longer applies.
    joined: bool,
    closed: bool,
}

/// What the Socket.IO server keeps for each Engine.IO session: its client, and the decoder of its
/// packets, which the engine lends one message at a time (no lock).
pub struct ClientSession {
    client: Arc<Client>,
    decoder: Box<dyn Decoder>,
}

impl ClientSession {
    /// The client of a new session.
    pub(crate) fn open(
        conn: EngineSocket,
        namespaces: &Arc<Namespaces>,
        config: &ServerConfig,
    ) -> ClientSession {
        ClientSession {
            client: Client::new(conn, namespaces, config),
            decoder: namespaces.parser().decoder(),
        }
    }

    pub(crate) fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// Handles one Engine.IO message (called in order from the connection's task, where the event's handler
    /// starts; never blocks). The message goes to the decoder as the engine decoded it, without copying.
    pub(crate) fn on_message(&mut self, message: EnginePacket) {
        match self.decoder.decode(message) {
            Ok(None) => {}
            Ok(Some(packet)) => self.client.route(packet),
            Err(error) => {
                let sid = self.client.conn.id();
                tracing::warn!(sid, %error, "invalid packet, closing the connection");
                self.client.conn.close(CloseReason::ParseError);
            }
        }
    }
}

/// The Socket.IO side of one Engine.IO session.
pub(crate) struct Client {
    conn: EngineSocket,
    namespaces: Weak<Namespaces>,
    state: Mutex<State>,
    max_pending_events: usize,
}

impl Client {
    /// A client for a new session (the session's deadline is the connect timeout).
    fn new(conn: EngineSocket, namespaces: &Arc<Namespaces>, config: &ServerConfig) -> Arc<Client> {
        let client = Arc::new(Client {
            conn,
            namespaces: Arc::downgrade(namespaces),
            state: Mutex::new(State::default()),
            max_pending_events: config.max_pending_events,
        });
        if crate::legacy::is_legacy(&client.conn) {
            // A Socket.IO 2.x client sends no CONNECT for `/`: it is connected at once.
            client.connect("/".to_owned(), None);
        }
        client
    }

    pub(crate) fn conn(&self) -> &EngineSocket {
        &self.conn
    }

    pub(crate) fn max_pending_events(&self) -> usize {
        self.max_pending_events
    }

    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.state).closed || self.conn.is_closed()
    }

    fn route(self: &Arc<Self>, packet: Packet) {
        let packet = if crate::legacy::is_legacy(&self.conn) {
            crate::legacy::read_packet(packet)
        } else {
            packet
        };
        let Packet { nsp, data } = packet;
        let socket = lock(&self.state)
            .sockets
            .iter()
            .find(|s| s.nsp().name() == nsp)
            .cloned();
        match (socket, data) {
            (None, PacketData::Connect(auth)) => self.connect(nsp, auth),
            (Some(socket), data)
                if !matches!(data, PacketData::Connect(_) | PacketData::ConnectError(_)) =>
            {
                socket.on_packet(data)
            }
            (_, data) => {
                tracing::warn!(
                    sid = self.conn.id(),
                    nsp,
                    packet = ?std::mem::discriminant(&data),
                    "packet not allowed in this state, closing the connection"
                );
                self.force_close();
            }
        }
    }

    fn connect(self: &Arc<Self>, name: String, auth: Option<Value>) {
        let auth = match auth {
            None => Value::Object(Default::default()),
            Some(auth @ Value::Object(_)) => auth,
            Some(other) => {
                tracing::warn!(
                    sid = self.conn.id(),
                    kind = other.kind(),
                    "CONNECT payload is not an object"
                );
                self.conn.close(CloseReason::ParseError);
                return;
            }
        };
        let Some(namespaces) = self.namespaces.upgrade() else {
            return;
        };
        match namespaces.for_connect(&name, &auth) {
            Some(nsp) => {
                // At once unless a middleware or the adapter has to wait: a packet after the CONNECT
                // in the same message or payload then finds the socket.
                let client = self.clone();
                crate::task::now_or_spawn(async move { nsp.add(client, auth).await });
            }
            None => {
                tracing::debug!(
                    sid = self.conn.id(),
                    nsp = name,
                    "unknown namespace refused"
                );
                let mut map = sio_protocol::value::Map::new();
                map.insert("message".into(), Value::String("Invalid namespace".into()));
                self.send_connect_error(&name, Value::Object(map));
            }
        }
    }

    /// Sends CONNECT_ERROR for a namespace.
    pub(crate) fn send_connect_error(&self, nsp: &str, payload: Value) {
        let Some(namespaces) = self.namespaces.upgrade() else {
            return;
        };
        let packet = Packet {
            nsp: nsp.to_owned(),
            data: PacketData::ConnectError(payload),
        };
        match namespaces.parser().encode(&packet) {
            Ok(encoded) => {
                if let Err(e) = self.conn.send(&encoded.frames) {
                    tracing::debug!(sid = self.conn.id(), error = %e, "CONNECT_ERROR not delivered");
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot encode CONNECT_ERROR"),
        }
    }

    /// Registers a connected socket; false when the client closed meanwhile or already has a socket there.
    pub(crate) fn attach_socket(&self, nsp: &str, socket: Socket) -> bool {
        let mut state = lock(&self.state);
        if state.closed
            || self.conn.is_closed()
            || state.sockets.iter().any(|s| s.nsp().name() == nsp)
        {
            // Closed meanwhile, or a second CONNECT for a namespace already joined.
            return false;
        }
        state.sockets.push(socket);
        state.joined = true;
        true
    }

    /// The connect timeout passed: closes the client unless it joined a namespace.
    pub(crate) fn connect_timed_out(&self) {
        if !lock(&self.state).joined {
            tracing::debug!(sid = self.conn.id(), "no namespace joined in time, closing");
            self.force_close();
        }
    }

    pub(crate) fn remove_socket(&self, nsp: &str) {
        lock(&self.state).sockets.retain(|s| s.nsp().name() != nsp);
    }

    /// `socket.disconnect(true)`: every namespace gets DISCONNECT, then the connection is closed.
    pub(crate) fn disconnect_all(&self) {
        let sockets: Vec<Socket> = lock(&self.state).sockets.clone();
        for socket in sockets {
            socket.disconnect(false);
        }
        self.force_close();
    }

    /// Closes the connection from the Socket.IO layer (`forced server close` for the sockets).
    pub(crate) fn force_close(&self) {
        self.on_close(DisconnectReason::ForcedServerClose);
        self.conn.close(CloseReason::ForcedClose);
    }

    /// The session upgraded to websocket: tell every socket.
    pub(crate) fn on_upgrade(&self) {
        let sockets: Vec<Socket> = lock(&self.state).sockets.clone();
        for socket in sockets {
            socket.on_transport_upgrade();
        }
    }

    /// The session closed: every socket disconnects with the reason. Idempotent.
    pub(crate) fn on_close(&self, reason: DisconnectReason) {
        let sockets = {
            let mut state = lock(&self.state);
            if state.closed {
                return;
            }
            state.closed = true;
            std::mem::take(&mut state.sockets)
        };
        for socket in sockets {
            socket.on_close(reason);
        }
    }
}
