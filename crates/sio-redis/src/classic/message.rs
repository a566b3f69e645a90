//! The messages of `@socket.io/redis-adapter`'s classic pub/sub mode: broadcasts (notepack msgpack
//! `[uid, packet, opts]`), requests and responses (JSON objects, msgpack for the two that may carry
//! binary), read and written byte for byte as the official adapter does.

use sio_protocol::value::{msgpack, Map};
use sio_protocol::Value;
use sio_server::adapter::{BroadcastFlags, BroadcastOptions, Room};
use std::collections::HashSet;
use std::time::Duration;

/// The official `RequestType` numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum RequestType {
    Sockets = 0,
    AllRooms = 1,
    RemoteJoin = 2,
    RemoteLeave = 3,
    RemoteDisconnect = 4,
    RemoteFetch = 5,
    ServerSideEmit = 6,
    Broadcast = 7,
    BroadcastClientCount = 8,
    BroadcastAck = 9,
}

impl RequestType {
    fn from_value(v: Option<&Value>) -> Option<RequestType> {
        Some(match v.and_then(Value::as_u64)? {
            0 => RequestType::Sockets,
            1 => RequestType::AllRooms,
            2 => RequestType::RemoteJoin,
            3 => RequestType::RemoteLeave,
            4 => RequestType::RemoteDisconnect,
            5 => RequestType::RemoteFetch,
            6 => RequestType::ServerSideEmit,
            7 => RequestType::Broadcast,
            8 => RequestType::BroadcastClientCount,
            9 => RequestType::BroadcastAck,
            _ => return None,
        })
    }
}

/// Nesting accepted in messages from Redis.
const MAX_DEPTH: usize = 64;

/// A request or response: a JSON object, or a msgpack one (the first byte is not `{`).
pub(crate) fn decode_object(payload: &bytes::Bytes) -> Option<Map> {
    let value = if payload.first() == Some(&b'{') {
        serde_json::from_slice::<serde_json::Value>(payload)
            .ok()
            .map(Value::from)
    } else {
        msgpack::decode(payload, MAX_DEPTH).ok()
    };
    match value {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// The `type` of a request or response.
pub(crate) fn request_type(msg: &Map) -> Option<RequestType> {
    RequestType::from_value(msg.get("type"))
}

/// JSON text of an object (never used for values holding binary).
pub(crate) fn json(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// Builds an object from its entries, in order.
pub(crate) fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

/// A room name as JavaScript gives it: strings as they are, numbers as `String(n)`.
fn room_of(v: &Value) -> Option<Room> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{}", f as i64),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

/// A list of rooms (`rooms`, `except`): an array, absent meaning empty.
pub(crate) fn rooms_of(v: Option<&Value>) -> HashSet<Room> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(room_of).collect())
        .unwrap_or_default()
}

/// A list of rooms as the array the messages carry.
pub(crate) fn rooms_value<'a>(rooms: impl IntoIterator<Item = &'a Room>) -> Value {
    Value::Array(rooms.into_iter().map(Value::from).collect())
}

/// `{rooms, except}` of a request.
pub(crate) fn selection(opts: &BroadcastOptions) -> Value {
    object([
        ("rooms", rooms_value(&opts.rooms)),
        ("except", rooms_value(&opts.except)),
    ])
}

/// The flags as Node's `BroadcastFlags` object: only those set (`local` never leaves the node).
fn flags_value(flags: &BroadcastFlags) -> Value {
    let mut map = Map::new();
    if flags.volatile {
        map.insert("volatile".into(), Value::Bool(true));
    }
    if let Some(compress) = flags.compress {
        map.insert("compress".into(), Value::Bool(compress));
    }
    if let Some(timeout) = flags.timeout {
        map.insert("timeout".into(), Value::from(timeout.as_millis() as u64));
    }
    Value::Object(map)
}

/// `{rooms, except, flags}` of a broadcast.
pub(crate) fn broadcast_opts(opts: &BroadcastOptions) -> Value {
    object([
        ("rooms", rooms_value(&opts.rooms)),
        ("except", rooms_value(&opts.except)),
        ("flags", flags_value(&opts.flags)),
    ])
}

/// The options of a request (`opts`): rooms, except and the flags this node applies.
pub(crate) fn options_of(v: Option<&Value>) -> BroadcastOptions {
    let flags = v.and_then(|o| o.get("flags"));
    let flag = |name: &str| flags.and_then(|f| f.get(name));
    BroadcastOptions {
        rooms: rooms_of(v.and_then(|o| o.get("rooms"))),
        except: rooms_of(v.and_then(|o| o.get("except"))),
        flags: BroadcastFlags {
            volatile: flag("volatile").and_then(Value::as_bool).unwrap_or(false),
            compress: flag("compress").and_then(Value::as_bool),
            local: false,
            timeout: flag("timeout")
                .and_then(Value::as_f64)
                .filter(|ms| ms.is_finite() && *ms >= 0.0)
                .map(|ms| Duration::from_millis(ms as u64)),
        },
    }
}

/// The socket.io packet object of a broadcast: `{type: 2, data: [event, ...args], nsp}`.
pub(crate) fn packet_value(nsp: &str, event: &str, args: &[Value]) -> Value {
    let mut data = Vec::with_capacity(args.len() + 1);
    data.push(Value::from(event));
    data.extend(args.iter().cloned());
    object([
        ("type", Value::from(2u8)),
        ("data", Value::Array(data)),
        ("nsp", Value::from(nsp)),
    ])
}

/// An event packet's namespace (absent means `/`), event name and arguments.
pub(crate) fn packet_parts(packet: &Value) -> Option<(String, String, Vec<Value>)> {
    let nsp = match packet.get("nsp") {
        None | Some(Value::Null) => "/".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return None,
    };
    // EVENT (2) or BINARY_EVENT (5): the data is the same array.
    match packet.get("type").and_then(Value::as_u64) {
        Some(2) | Some(5) => {}
        _ => return None,
    }
    let mut data = packet.get("data")?.as_array()?.clone().into_iter();
    let event = match data.next()? {
        Value::String(s) => s,
        _ => return None,
    };
    Some((nsp, event, data.collect()))
}

/// A broadcast as published: msgpack `[uid, packet, opts]`.
pub(crate) fn encode_broadcast(uid: &str, packet: Value, opts: &BroadcastOptions) -> Vec<u8> {
    msgpack::encode(&Value::Array(vec![
        Value::from(uid),
        packet,
        broadcast_opts(opts),
    ]))
}

/// A received broadcast: the sender's uid, its packet and options.
pub(crate) fn decode_broadcast(
    payload: &bytes::Bytes,
) -> Option<(String, Value, BroadcastOptions)> {
    let Value::Array(parts) = msgpack::decode(payload, MAX_DEPTH).ok()? else {
        return None;
    };
    let mut parts = parts.into_iter();
    let uid = match parts.next()? {
        Value::String(uid) => uid,
        _ => return None,
    };
    let packet = parts.next()?;
    let opts = options_of(parts.next().as_ref());
    Some((uid, packet, opts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sio_protocol::value;

    #[test]
    fn broadcast_bytes_match_notepack() {
        // notepack.encode(["abc123", {type: 2, data: ["ev", 1], nsp: "/"}, {rooms: ["r"], except: [], flags: {}}])
        let opts = BroadcastOptions {
            rooms: HashSet::from(["r".to_owned()]),
            ..Default::default()
        };
        let bytes = encode_broadcast("abc123", packet_value("/", "ev", &[Value::from(1)]), &opts);
        let expected: &[u8] = b"\x93\xa6abc123\x83\xa4type\x02\xa4data\x92\xa2ev\x01\xa3nsp\xa1/\
            \x83\xa5rooms\x91\xa1r\xa6except\x90\xa5flags\x80";
        assert_eq!(bytes, expected);
        let (uid, packet, back) = decode_broadcast(&bytes.into()).unwrap();
        assert_eq!(uid, "abc123");
        assert_eq!(back.rooms, opts.rooms);
        assert_eq!(
            packet_parts(&packet),
            Some(("/".into(), "ev".into(), vec![Value::from(1)]))
        );
    }

    #[test]
    fn numeric_rooms_and_missing_nsp() {
        let opts = options_of(Some(&value!({ "rooms": [1, 2.5, "x"], "except": null })));
        assert_eq!(
            opts.rooms,
            HashSet::from(["1".to_owned(), "2.5".to_owned(), "x".to_owned()])
        );
        assert!(opts.except.is_empty());
        let packet = value!({ "type": 2, "data": ["e"] });
        assert_eq!(packet_parts(&packet).unwrap().0, "/");
        assert!(packet_parts(&value!({ "type": 3, "data": ["e"] })).is_none());
        assert!(packet_parts(&value!({ "type": 2, "data": [1] })).is_none());
    }

    #[test]
    fn garbage_is_refused() {
        assert!(decode_broadcast(&bytes::Bytes::from_static(b"\xc1")).is_none());
        assert!(decode_broadcast(&bytes::Bytes::from_static(b"\x93\x01\x02\x03")).is_none());
        assert!(decode_object(&bytes::Bytes::from_static(b"{not json")).is_none());
        assert!(decode_object(&bytes::Bytes::from_static(b"[1]")).is_none());
        let map = decode_object(&bytes::Bytes::from_static(
            b"{\"type\":5,\"requestId\":\"x\"}",
        ))
        .unwrap();
        assert_eq!(request_type(&map), Some(RequestType::RemoteFetch));
    }
}
