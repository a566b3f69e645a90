//! A socket as the dashboard reads it (the official `serialize`): id, client id, transport, namespace,
//! data, handshake and rooms.

use sio_protocol::value::Map;
use sio_server::{Handshake, Namespace, RemoteSocket, Socket, Transport, Value};

/// The key under which a socket's `data` carries what the dashboard needs of a socket on another server.
pub(crate) const ADMIN_KEY: &str = "_admin";

/// A transport's name on the wire.
pub(crate) fn transport_name(transport: Transport) -> &'static str {
    transport.as_str()
}

/// The client id shown: the Engine.IO session id, cut to 12 characters (it is a credential).
pub(crate) fn client_id(socket: &Socket) -> String {
    socket.conn().id().chars().take(12).collect()
}

/// The `_admin` record kept in the socket's data (client id and transport).
pub(crate) fn admin_record(socket: &Socket) -> Value {
    let mut map = Map::new();
    map.insert("clientId".into(), Value::String(client_id(socket)));
    map.insert(
        "transport".into(),
        Value::String(transport_name(socket.conn().transport()).into()),
    );
    Value::Object(map)
}

/// A local socket.
pub(crate) fn local(socket: &Socket) -> Value {
    serialize(
        socket.id(),
        Value::String(client_id(socket)),
        Value::String(transport_name(socket.conn().transport()).into()),
        socket.nsp().name(),
        &socket.data_value(),
        socket.handshake(),
        socket.rooms(),
    )
}

/// A socket `fetch_sockets` found, on this server or another: the local one when it is here, else what
/// its data says.
pub(crate) fn remote(socket: &RemoteSocket, nsp: &Namespace) -> Value {
    if let Some(local_socket) = nsp.socket(socket.id()) {
        return local(&local_socket);
    }
    let admin = socket.data_value().get(ADMIN_KEY);
    let field = |key: &str| {
        admin
            .and_then(|a| a.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    };
    serialize(
        socket.id(),
        field("clientId"),
        field("transport"),
        nsp.name(),
        socket.data_value(),
        socket.handshake(),
        socket.rooms().to_vec(),
    )
}

fn serialize(
    id: &str,
    client_id: Value,
    transport: Value,
    nsp: &str,
    data: &Value,
    handshake: &Handshake,
    rooms: Vec<String>,
) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), Value::String(id.into()));
    map.insert("clientId".into(), client_id);
    map.insert("transport".into(), transport);
    map.insert("nsp".into(), Value::String(nsp.into()));
    map.insert("data".into(), user_data(data));
    map.insert("handshake".into(), serialize_handshake(handshake));
    map.insert(
        "rooms".into(),
        Value::Array(rooms.into_iter().map(Value::String).collect()),
    );
    Value::Object(map)
}

/// The socket's data without the `_admin` record (the data of a socket that has none is `{}`).
pub(crate) fn user_data(data: &Value) -> Value {
    match data {
        Value::Object(map) => {
            let mut map = map.clone();
            map.shift_remove(ADMIN_KEY);
            Value::Object(map)
        }
        Value::Null => Value::Object(Map::new()),
        other => other.clone(),
    }
}

/// The handshake without `auth` (it may hold credentials), the address taken from the proxy headers first.
fn serialize_handshake(handshake: &Handshake) -> Value {
    let address = handshake
        .header("cf-connecting-ip")
        .or_else(|| handshake.header("x-forwarded-for"))
        .map(str::to_owned)
        .unwrap_or_else(|| handshake.address());
    let mut map = match Value::from_serde(handshake) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    map.shift_remove("auth");
    map.insert("address".into(), Value::String(address));
    Value::Object(map)
}
