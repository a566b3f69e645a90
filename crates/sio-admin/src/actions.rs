//! What the dashboard may do (unless read-only): `emit`, `join`, `leave` and `_disconnect` on the sockets
//! of a namespace, all or those in a room, through the namespace's adapter so that they reach every server.

use sio_server::{BroadcastOperator, Server, Socket, Value};

/// The features announced in `config` when actions are allowed.
pub(crate) const ACTION_FEATURES: [&str; 7] = [
    "EMIT",
    "JOIN",
    "LEAVE",
    "DISCONNECT",
    "MJOIN",
    "MLEAVE",
    "MDISCONNECT",
];

/// Registers the action handlers on a dashboard's socket.
pub(crate) fn register(io: &Server, socket: &Socket) {
    let server = io.clone();
    socket.on("emit", move |_s: Socket, args: Vec<Value>| {
        let io = server.clone();
        async move {
            let mut args = args.into_iter();
            let (Some(nsp), filter, Some(Value::String(event))) =
                (args.next(), args.next(), args.next())
            else {
                return tracing::debug!("admin emit: malformed arguments");
            };
            let Some(target) = target(&io, &nsp, filter.as_ref()) else {
                return;
            };
            tracing::debug!(event, "admin emit");
            if let Err(error) = target.emit_args(&event, args.collect()).await {
                tracing::debug!(%error, "admin emit failed");
            }
        }
    });
    let server = io.clone();
    socket.on("join", move |_s: Socket, args: Vec<Value>| {
        let io = server.clone();
        async move {
            let (Some(target), Some(room)) = room_action(&io, &args) else {
                return tracing::debug!("admin join: malformed arguments");
            };
            if let Err(error) = target.sockets_join(room).await {
                tracing::debug!(%error, "admin join failed");
            }
        }
    });
    let server = io.clone();
    socket.on("leave", move |_s: Socket, args: Vec<Value>| {
        let io = server.clone();
        async move {
            let (Some(target), Some(room)) = room_action(&io, &args) else {
                return tracing::debug!("admin leave: malformed arguments");
            };
            if let Err(error) = target.sockets_leave(room).await {
                tracing::debug!(%error, "admin leave failed");
            }
        }
    });
    let server = io.clone();
    socket.on("_disconnect", move |_s: Socket, args: Vec<Value>| {
        let io = server.clone();
        async move {
            let (Some(nsp), close) = (args.first(), args.get(1)) else {
                return tracing::debug!("admin disconnect: malformed arguments");
            };
            let close = close.and_then(Value::as_bool).unwrap_or(false);
            let Some(target) = target(&io, nsp, args.get(2)) else {
                return;
            };
            if let Err(error) = target.disconnect_sockets(close).await {
                tracing::debug!(%error, "admin disconnect failed");
            }
        }
    });
}

/// `(nsp, room, filter?)`: the sockets addressed and the room.
fn room_action(io: &Server, args: &[Value]) -> (Option<BroadcastOperator>, Option<String>) {
    let room = match args.get(1) {
        Some(Value::String(room)) => Some(room.clone()),
        _ => None,
    };
    let target = args.first().and_then(|nsp| target(io, nsp, args.get(2)));
    (target, room)
}

/// The sockets of namespace `nsp`, those in room `filter` when it is a non-empty string. Only existing
/// namespaces are addressed: the dashboard does not create any.
fn target(io: &Server, nsp: &Value, filter: Option<&Value>) -> Option<BroadcastOperator> {
    let Value::String(name) = nsp else {
        tracing::debug!("admin action: the namespace is not a string");
        return None;
    };
    let Some(nsp) = io.namespaces().into_iter().find(|n| n.name() == name) else {
        tracing::debug!(nsp = name, "admin action on an unknown namespace");
        return None;
    };
    Some(match filter {
        Some(Value::String(room)) if !room.is_empty() => nsp.in_(room.clone()),
        _ => nsp.broadcast(),
    })
}
