//! A fetched socket as another server describes it (`{id, handshake, rooms, data}`), read leniently: a
//! Node server's handshake may hold arrays where sio keeps strings (repeated headers or query keys), and a
//! field it lacks is left empty rather than losing the socket.

use sio_protocol::value::Map;
use sio_protocol::Value;
use sio_server::adapter::SocketDetails;

/// The socket `v` describes, or `None` when it has no id.
pub(crate) fn details_of(v: &Value) -> Option<SocketDetails> {
    let id = v.get("id")?.as_str()?.to_owned();
    let rooms = v
        .get("rooms")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(text).collect())
        .unwrap_or_default();
    let handshake = handshake_of(v.get("handshake").unwrap_or(&Value::Null));
    let handshake = sio_protocol::value::from_value(handshake).ok()?;
    Some(SocketDetails {
        id,
        handshake,
        rooms,
        data: v.get("data").cloned().unwrap_or(Value::Null),
    })
}

/// The official handshake object with every field present and of the type sio reads.
fn handshake_of(h: &Value) -> Value {
    let field = |name: &str| h.get(name);
    let string = |name: &str| Value::from(field(name).and_then(text).unwrap_or_default());
    let flag = |name: &str| Value::Bool(field(name).and_then(Value::as_bool).unwrap_or(false));
    let strings = |name: &str| {
        let map: Map = field(name)
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), Value::from(text(v)?))))
                    .collect()
            })
            .unwrap_or_default();
        Value::Object(map)
    };
    let issued = field("issued")
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite() && *n >= 0.0)
        .unwrap_or(0.0) as u64;
    let mut out = Map::new();
    out.insert("headers".into(), strings("headers"));
    out.insert("time".into(), string("time"));
    out.insert("address".into(), string("address"));
    out.insert("xdomain".into(), flag("xdomain"));
    out.insert("secure".into(), flag("secure"));
    out.insert("issued".into(), Value::from(issued));
    out.insert("url".into(), string("url"));
    out.insert("query".into(), strings("query"));
    out.insert(
        "auth".into(),
        field("auth").cloned().unwrap_or(Value::Object(Map::new())),
    );
    Value::Object(out)
}

/// A string as JavaScript would join it: strings as they are, numbers and booleans printed, arrays
/// joined with `", "` (as Node joins repeated headers).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => Some(a.iter().filter_map(text).collect::<Vec<_>>().join(", ")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sio_protocol::value;

    #[test]
    fn node_handshake_with_arrays() {
        let v = value!({
            "id": "abc",
            "handshake": {
                "headers": { "host": "x", "cookie": ["a=1", "b=2"] },
                "time": "Wed Dec 02 2026", "address": "::1", "xdomain": false, "secure": false,
                "issued": 1700000000000u64, "url": "/socket.io/?EIO=4",
                "query": { "EIO": "4", "k": ["1", "2"] }, "auth": { "token": 1 }
            },
            "rooms": ["abc", 7],
            "data": { "n": 1 }
        });
        let d = details_of(&v).unwrap();
        assert_eq!(d.id, "abc");
        assert_eq!(d.rooms, vec!["abc".to_owned(), "7".to_owned()]);
        assert_eq!(d.handshake.header("cookie"), Some("a=1, b=2"));
        // The query is read from the URL, as for a local socket.
        let query = d.handshake.query();
        assert_eq!(query.get("EIO").map(String::as_str), Some("4"));
        assert_eq!(d.handshake.issued(), 1700000000000);
        assert_eq!(d.data, value!({ "n": 1 }));
    }

    #[test]
    fn missing_fields() {
        let d = details_of(&value!({ "id": "x" })).unwrap();
        assert!(d.rooms.is_empty());
        assert_eq!(d.data, Value::Null);
        assert!(details_of(&value!({ "rooms": [] })).is_none());
    }
}
