//! Development mode: every socket, room change and event of a namespace, as it happens
//! (`socket_connected`, `socket_updated`, `socket_disconnected`, `room_joined`, `room_left`,
//! `event_received`, `event_sent`).

use crate::emitter::{now, AdminEmitter};
use crate::serialize::{self, ADMIN_KEY};
use sio_protocol::value::Map;
use sio_server::{Namespace, RoomChange, Socket, Value};

/// Observes `nsp` for the dashboards; `admin` is the admin namespace's name (its own events are not shown).
pub(crate) fn observe(nsp: &Namespace, admin: &str, emitter: &AdminEmitter) {
    let is_admin = nsp.name() == admin;
    let out = emitter.clone();
    nsp.on_connection(move |socket: Socket| {
        let emitter = out.clone();
        async move { on_connection(&socket, is_admin, &emitter) }
    });
    let out = emitter.clone();
    let name = nsp.name().to_owned();
    nsp.on_room_change(move |change| {
        let (event, room, id) = match change {
            RoomChange::Joined { room, id } => ("room_joined", room, id),
            RoomChange::Left { room, id } => ("room_left", room, id),
        };
        out.emit(
            event,
            vec![
                Value::String(name.clone()),
                Value::String(room.clone()),
                Value::String(id.clone()),
                now(),
            ],
        );
    });
}

fn on_connection(socket: &Socket, is_admin: bool, emitter: &AdminEmitter) {
    keep_admin_record(socket);
    emitter.emit("socket_connected", vec![serialize::local(socket), now()]);
    let out = emitter.clone();
    socket.on_upgrade(move |socket: Socket| {
        let emitter = out.clone();
        async move {
            keep_admin_record(&socket);
            let mut map = Map::new();
            map.insert("id".into(), Value::String(socket.id().into()));
            map.insert("nsp".into(), Value::String(socket.nsp().name().into()));
            map.insert(
                "transport".into(),
                Value::String(serialize::transport_name(socket.conn().transport()).into()),
            );
            emitter.emit("socket_updated", vec![Value::Object(map)]);
        }
    });
    if !is_admin {
        let out = emitter.clone();
        socket.on_any(move |socket: Socket, event: String, args: Vec<Value>| {
            out.emit("event_received", event_args(&socket, event, args));
            async {}
        });
        let out = emitter.clone();
        socket.on_any_outgoing(move |socket, event, args| {
            out.emit(
                "event_sent",
                event_args(socket, event.to_owned(), args.to_vec()),
            );
        });
    }
    let out = emitter.clone();
    socket.on_disconnect(move |socket: Socket, reason| {
        out.emit(
            "socket_disconnected",
            vec![
                Value::String(socket.nsp().name().into()),
                Value::String(socket.id().into()),
                Value::String(reason.as_str().into()),
                now(),
            ],
        );
        async {}
    });
}

/// `(nsp, id, [event, ...args], date)`.
fn event_args(socket: &Socket, event: String, args: Vec<Value>) -> Vec<Value> {
    let mut all = Vec::with_capacity(args.len() + 1);
    all.push(Value::String(event));
    all.extend(args);
    vec![
        Value::String(socket.nsp().name().into()),
        Value::String(socket.id().into()),
        Value::Array(all),
        now(),
    ]
}

/// Keeps the client id and transport in the socket's data, where `fetch_sockets` on another server of the
/// cluster finds them (data that is not an object is left alone).
fn keep_admin_record(socket: &Socket) {
    let mut data = match socket.data_value() {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        _ => return,
    };
    data.insert(ADMIN_KEY.into(), serialize::admin_record(socket));
    if let Err(error) = socket.set_data(&Value::Object(data)) {
        tracing::debug!(%error, "admin record not kept in the socket's data");
    }
}
