//! A [`ClusterMessage`] to and from a [`Value`] shaped as the official object literal (keys in Node's order,
//! absent optional fields left out), read leniently: bad input is an error, never a panic.

use super::{ClusterMessage, CodecError, MessageBody, MessageType};
use sio_protocol::value::Map;
use sio_protocol::Value;
use sio_server::adapter::{BroadcastFlags, BroadcastOptions, Room, SocketDetails};
use std::collections::HashSet;
use std::time::Duration;

/// The socket.io packet type of an EVENT.
const EVENT: u64 = 2;
/// BINARY_EVENT, accepted in a received packet.
const BINARY_EVENT: u64 = 5;

fn object(entries: Vec<(&str, Value)>) -> Value {
    let mut map = Map::with_capacity(entries.len());
    for (k, v) in entries {
        map.insert(k.to_owned(), v);
    }
    Value::Object(map)
}

fn strings(items: impl IntoIterator<Item = String>) -> Value {
    Value::Array(items.into_iter().map(Value::String).collect())
}

/// `{rooms, except, flags}` as `encodeOptions` writes it. Rooms are sorted so that the bytes are stable.
fn encode_opts(opts: &BroadcastOptions) -> Value {
    let mut rooms: Vec<String> = opts.rooms.iter().cloned().collect();
    rooms.sort();
    let mut except: Vec<String> = opts.except.iter().cloned().collect();
    except.sort();
    let mut flags = Vec::new();
    if opts.flags.volatile {
        flags.push(("volatile", Value::Bool(true)));
    }
    if let Some(compress) = opts.flags.compress {
        flags.push(("compress", Value::Bool(compress)));
    }
    if let Some(timeout) = opts.flags.timeout {
        flags.push(("timeout", Value::from(timeout.as_millis() as u64)));
    }
    object(vec![
        ("rooms", strings(rooms)),
        ("except", strings(except)),
        ("flags", object(flags)),
    ])
}

fn event_array(event: &str, args: &[Value]) -> Value {
    let mut data = Vec::with_capacity(args.len() + 1);
    data.push(Value::String(event.to_owned()));
    data.extend(args.iter().cloned());
    Value::Array(data)
}

impl MessageBody {
    /// The message's `data` as the official object, `None` for the types without data.
    pub fn to_data(&self) -> Result<Option<Value>, CodecError> {
        let rid = |id: &str| Value::String(id.to_owned());
        Ok(Some(match self {
            MessageBody::InitialHeartbeat | MessageBody::Heartbeat | MessageBody::AdapterClose => {
                return Ok(None)
            }
            MessageBody::Broadcast {
                opts,
                event,
                args,
                request_id,
            } => {
                let packet = object(vec![
                    ("type", Value::from(EVENT)),
                    ("data", event_array(event, args)),
                ]);
                let mut data = vec![("packet", packet)];
                if let Some(id) = request_id {
                    data.push(("requestId", rid(id)));
                }
                data.push(("opts", encode_opts(opts)));
                object(data)
            }
            MessageBody::SocketsJoin { opts, rooms }
            | MessageBody::SocketsLeave { opts, rooms } => object(vec![
                ("opts", encode_opts(opts)),
                ("rooms", strings(rooms.iter().cloned())),
            ]),
            MessageBody::DisconnectSockets { opts, close } => object(vec![
                ("opts", encode_opts(opts)),
                ("close", Value::Bool(*close)),
            ]),
            MessageBody::FetchSockets { opts, request_id } => object(vec![
                ("opts", encode_opts(opts)),
                ("requestId", rid(request_id)),
            ]),
            MessageBody::FetchSocketsResponse {
                request_id,
                sockets,
            } => {
                let sockets = sockets
                    .iter()
                    .map(|s| Value::from_serde(s).map_err(|e| CodecError::Invalid(e.to_string())))
                    .collect::<Result<Vec<_>, _>>()?;
                object(vec![
                    ("requestId", rid(request_id)),
                    ("sockets", Value::Array(sockets)),
                ])
            }
            MessageBody::ServerSideEmit {
                event,
                args,
                request_id,
            } => {
                let mut data = Vec::new();
                if let Some(id) = request_id {
                    data.push(("requestId", rid(id)));
                }
                data.push(("packet", event_array(event, args)));
                object(data)
            }
            MessageBody::ServerSideEmitResponse { request_id, packet }
            | MessageBody::BroadcastAck { request_id, packet } => object(vec![
                ("requestId", rid(request_id)),
                ("packet", packet.clone()),
            ]),
            MessageBody::BroadcastClientCount {
                request_id,
                client_count,
            } => object(vec![
                ("requestId", rid(request_id)),
                ("clientCount", Value::from(*client_count)),
            ]),
        }))
    }

    /// Reads a body from its type number and `data` (for transports that carry them apart, as the Redis
    /// Streams adapter does).
    pub fn from_parts(kind: u8, data: Option<&Value>) -> Result<Self, CodecError> {
        let kind = MessageType::from_u8(kind).ok_or(CodecError::UnknownType(kind.into()))?;
        let null = Value::Null;
        let data = data.unwrap_or(&null);
        let d = Data(data);
        Ok(match kind {
            MessageType::InitialHeartbeat => MessageBody::InitialHeartbeat,
            MessageType::Heartbeat => MessageBody::Heartbeat,
            MessageType::AdapterClose => MessageBody::AdapterClose,
            MessageType::Broadcast => {
                let packet = d.get("packet").ok_or(invalid("BROADCAST without packet"))?;
                let kind = packet.get("type").and_then(Value::as_u64);
                if !matches!(kind, Some(EVENT | BINARY_EVENT)) {
                    return Err(invalid("BROADCAST packet is not an event"));
                }
                let (event, args) = read_event(packet.get("data"))?;
                MessageBody::Broadcast {
                    opts: d.opts()?,
                    event,
                    args,
                    request_id: d.optional_id()?,
                }
            }
            MessageType::SocketsJoin => MessageBody::SocketsJoin {
                opts: d.opts()?,
                rooms: read_rooms(d.get("rooms"))?,
            },
            MessageType::SocketsLeave => MessageBody::SocketsLeave {
                opts: d.opts()?,
                rooms: read_rooms(d.get("rooms"))?,
            },
            MessageType::DisconnectSockets => MessageBody::DisconnectSockets {
                opts: d.opts()?,
                close: d.get("close").and_then(Value::as_bool).unwrap_or(false),
            },
            MessageType::FetchSockets => MessageBody::FetchSockets {
                opts: d.opts()?,
                request_id: d.id()?,
            },
            MessageType::FetchSocketsResponse => {
                let sockets = match d.get("sockets") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(read_socket)
                        .collect::<Result<Vec<_>, _>>()?,
                    Some(_) => return Err(invalid("sockets is not an array")),
                };
                MessageBody::FetchSocketsResponse {
                    request_id: d.id()?,
                    sockets,
                }
            }
            MessageType::ServerSideEmit => {
                let (event, args) = read_event(d.get("packet"))?;
                MessageBody::ServerSideEmit {
                    event,
                    args,
                    request_id: d.optional_id()?,
                }
            }
            MessageType::ServerSideEmitResponse => MessageBody::ServerSideEmitResponse {
                request_id: d.id()?,
                packet: d.get("packet").cloned().unwrap_or(Value::Null),
            },
            MessageType::BroadcastAck => MessageBody::BroadcastAck {
                request_id: d.id()?,
                packet: d.get("packet").cloned().unwrap_or(Value::Null),
            },
            MessageType::BroadcastClientCount => MessageBody::BroadcastClientCount {
                request_id: d.id()?,
                client_count: d
                    .get("clientCount")
                    .and_then(as_count)
                    .ok_or(invalid("clientCount is not a count"))?,
            },
        })
    }
}

impl ClusterMessage {
    /// The official object: `{type, data?, uid, nsp}` (the order in which Node builds it).
    pub fn to_value(&self) -> Result<Value, CodecError> {
        let mut map = Map::with_capacity(4);
        map.insert(
            "type".into(),
            Value::from(self.message_type().as_u8() as u64),
        );
        if let Some(data) = self.body.to_data()? {
            map.insert("data".into(), data);
        }
        map.insert("uid".into(), Value::String(self.uid.clone()));
        map.insert("nsp".into(), Value::String(self.nsp.clone()));
        Ok(Value::Object(map))
    }

    /// Reads the official object. A missing `nsp` reads as `/`.
    pub fn from_value(value: &Value) -> Result<Self, CodecError> {
        if value.as_object().is_none() {
            return Err(invalid("a message is an object"));
        }
        let kind = value.get("type").ok_or(invalid("message without type"))?;
        let kind = match kind {
            Value::String(s) => s.parse::<u64>().ok(),
            other => as_count(other),
        }
        .ok_or(invalid("type is not a number"))?;
        let kind = u8::try_from(kind).map_err(|_| CodecError::UnknownType(kind))?;
        let uid = match value.get("uid") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(invalid("uid is not a string")),
        };
        let nsp = match value.get("nsp") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => "/".to_owned(),
            Some(_) => return Err(invalid("nsp is not a string")),
        };
        let body = MessageBody::from_parts(kind, value.get("data"))?;
        Ok(ClusterMessage { uid, nsp, body })
    }
}

fn invalid(what: &'static str) -> CodecError {
    CodecError::Invalid(what.to_owned())
}

/// A non-negative integer, also from a float with no fraction (as a JavaScript number may be encoded).
fn as_count(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        let f = value.as_f64()?;
        (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 9.007_199_254_740_992e15)
            .then_some(f as u64)
    })
}

/// The `data` object of a message.
struct Data<'a>(&'a Value);

impl Data<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    fn id(&self) -> Result<String, CodecError> {
        self.optional_id()?.ok_or(invalid("requestId is missing"))
    }

    /// `requestId`: absent is `None`; anything present, even `null`, means "with a request" as in Node
    /// (`requestId !== undefined`), and a number is read as its text.
    fn optional_id(&self) -> Result<Option<String>, CodecError> {
        Ok(match self.get("requestId") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) => Some("null".to_owned()),
            Some(Value::Number(n)) => Some(js_number(n)),
            Some(_) => return Err(invalid("requestId is not a string")),
        })
    }

    fn opts(&self) -> Result<BroadcastOptions, CodecError> {
        let opts = match self.get("opts") {
            None | Some(Value::Null) => return Ok(BroadcastOptions::default()),
            Some(opts @ Value::Object(_)) => opts,
            Some(_) => return Err(invalid("opts is not an object")),
        };
        let set = |key| -> Result<HashSet<Room>, CodecError> {
            Ok(read_rooms(opts.get(key))?.into_iter().collect())
        };
        let mut flags = BroadcastFlags::default();
        if let Some(f) = opts.get("flags").and_then(Value::as_object) {
            flags.volatile = f.get("volatile").and_then(Value::as_bool).unwrap_or(false);
            flags.compress = f.get("compress").and_then(Value::as_bool);
            flags.timeout = f
                .get("timeout")
                .and_then(Value::as_f64)
                .filter(|ms| ms.is_finite() && *ms >= 0.0)
                .map(|ms| Duration::from_millis(ms.min(u32::MAX as f64) as u64));
        }
        Ok(BroadcastOptions {
            rooms: set("rooms")?,
            except: set("except")?,
            flags,
        })
    }
}

/// A list of rooms; numbers are read as JavaScript prints them.
fn read_rooms(value: Option<&Value>) -> Result<Vec<Room>, CodecError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(js_number(n)),
                _ => Err(invalid("a room is not a string")),
            })
            .collect(),
        Some(_) => Err(invalid("rooms is not an array")),
    }
}

/// A number as JavaScript's `String(n)` writes it, for the usual cases (integers, plain decimals).
fn js_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

/// `[event, ...args]`.
fn read_event(value: Option<&Value>) -> Result<(String, Vec<Value>), CodecError> {
    let Some(Value::Array(items)) = value else {
        return Err(invalid("the event is not an array"));
    };
    let Some((Value::String(event), args)) = items.split_first() else {
        return Err(invalid("the event has no name"));
    };
    Ok((event.clone(), args.to_vec()))
}

/// One fetched socket `{id, handshake, rooms, data}`; the handshake is completed where another
/// implementation left fields out or used other types.
fn read_socket(value: &Value) -> Result<SocketDetails, CodecError> {
    let id = match value.get("id") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(invalid("a fetched socket has no id")),
    };
    let rooms = read_rooms(value.get("rooms"))?;
    let data = value.get("data").cloned().unwrap_or(Value::Null);
    let handshake = normalize_handshake(value.get("handshake"));
    let handshake = handshake
        .into_serde()
        .map_err(|e| CodecError::Invalid(format!("handshake: {e}")))?;
    Ok(SocketDetails {
        id,
        handshake,
        rooms,
        data,
    })
}

fn text(value: Option<&Value>) -> Value {
    Value::String(match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => js_number(n),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match text(Some(v)) {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    })
}

fn text_map(value: Option<&Value>) -> Value {
    let mut out = Map::new();
    if let Some(map) = value.and_then(Value::as_object) {
        for (k, v) in map {
            out.insert(k.clone(), text(Some(v)));
        }
    }
    Value::Object(out)
}

/// The official handshake object with every field present and of the expected type.
fn normalize_handshake(value: Option<&Value>) -> Value {
    let get = |key: &str| value.and_then(|h| h.get(key));
    let flag = |key: &str| Value::Bool(get(key).and_then(Value::as_bool).unwrap_or(false));
    let issued = get("issued").and_then(as_count).unwrap_or(0);
    let auth = match get("auth") {
        Some(auth @ Value::Object(_)) => auth.clone(),
        _ => Value::Object(Map::new()),
    };
    object(vec![
        ("headers", text_map(get("headers"))),
        ("time", text(get("time"))),
        ("address", text(get("address"))),
        ("xdomain", flag("xdomain")),
        ("secure", flag("secure")),
        ("issued", Value::from(issued)),
        ("url", text(get("url"))),
        ("query", text_map(get("query"))),
        ("auth", auth),
    ])
}
