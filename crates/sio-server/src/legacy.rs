//! Socket.IO 2.x clients (Socket.IO protocol v4 over Engine.IO revision 3, served when
//! [`EngineConfig::allow_eio3`](crate::engine::EngineConfig::allow_eio3) is on): what the server does
//! differently for them, as the official server does where `conn.protocol === 3`.
//!
//! - The client is connected to `/` as soon as its session opens: it sends no CONNECT for `/`.
//! - A packet's namespace is read as a URL: its path is the namespace, and the query of a CONNECT
//!   (`0/admin?token=1,`) is the socket's auth (`{"token":"1"}`).
//! - A socket's id is the session id (`/admin#<sid>` outside `/`), as the client computes it.
//! - The CONNECT answer carries no payload, and a middleware's refusal carries `err.data || err.message`.

use crate::engine::EngineSocket;
use crate::errors::MiddlewareError;
use crate::handshake::parse_query;
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::Value;

/// Whether the session is a Socket.IO 2.x client's.
pub(crate) fn is_legacy(conn: &EngineSocket) -> bool {
    conn.protocol() == sio_protocol::engine::v3::PROTOCOL
}

/// A packet as the official server reads it from a Socket.IO 2.x client: the namespace is the path
/// of the namespace string, and a CONNECT's auth is its query, as an object of strings (the last of
/// a repeated key wins).
pub(crate) fn read_packet(packet: Packet) -> Packet {
    let Packet { nsp, mut data } = packet;
    let (path, query) = match nsp.find(['?', '#']) {
        Some(at) => (&nsp[..at], nsp[at..].strip_prefix('?')),
        None => (nsp.as_str(), None),
    };
    if let PacketData::Connect(auth) = &mut data {
        let query = query.map(|q| q.split('#').next().unwrap_or(""));
        let pairs = parse_query(query.unwrap_or(""));
        let object = pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        *auth = Some(Value::Object(object));
    }
    let nsp = if path.is_empty() { "/" } else { path }.to_owned();
    Packet { nsp, data }
}

/// The id of a Socket.IO 2.x client's socket in `nsp`: the session id, prefixed with `nsp#`
/// outside `/`; `None` for another client.
pub(crate) fn socket_id(nsp: &str, conn: &EngineSocket) -> Option<String> {
    if !is_legacy(conn) {
        return None;
    }
    Some(if nsp == "/" {
        conn.id().to_owned()
    } else {
        format!("{nsp}#{}", conn.id())
    })
}

/// The payload of the CONNECT_ERROR refusing a Socket.IO 2.x client (its `error` event's argument):
/// the error's data, or its message when the data is absent or falsy in JavaScript.
pub(crate) fn connect_error(error: &MiddlewareError) -> Value {
    match &error.data {
        Some(data) if is_truthy(data) => data.clone(),
        _ => Value::String(error.message.clone()),
    }
}

fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(nsp: &str, data: PacketData) -> Packet {
        read_packet(Packet {
            nsp: nsp.into(),
            data,
        })
    }

    fn object(pairs: &[(&str, &str)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect(),
        )
    }

    #[test]
    fn the_query_of_a_connect_is_its_auth() {
        let p = read("/admin?token=a%20b&x=1&x=2", PacketData::Connect(None));
        assert_eq!(p.nsp, "/admin");
        assert_eq!(
            p.data,
            PacketData::Connect(Some(object(&[("token", "a b"), ("x", "2")])))
        );
        let p = read("/admin", PacketData::Connect(None));
        assert_eq!(p.data, PacketData::Connect(Some(object(&[]))));
        let p = read("/a?k=v#frag", PacketData::Connect(None));
        assert_eq!(
            (p.nsp.as_str(), p.data),
            ("/a", PacketData::Connect(Some(object(&[("k", "v")]))))
        );
    }

    #[test]
    fn other_packets_keep_their_data() {
        let event = PacketData::Event {
            event: "e".into(),
            args: vec![],
            id: Some(1),
        };
        let p = read("/admin", event.clone());
        assert_eq!((p.nsp.as_str(), p.data), ("/admin", event));
        assert_eq!(read("/", PacketData::Disconnect).nsp, "/");
        assert_eq!(read("?x=1", PacketData::Disconnect).nsp, "/");
    }

    #[test]
    fn a_refusal_carries_the_data_or_the_message() {
        let e = MiddlewareError::new("no");
        assert_eq!(connect_error(&e), Value::String("no".into()));
        let e = MiddlewareError::new("no").with_data(Value::from("details"));
        assert_eq!(connect_error(&e), Value::String("details".into()));
        for falsy in [
            Value::Null,
            Value::Bool(false),
            Value::from(""),
            Value::from(0),
        ] {
            let e = MiddlewareError::new("no").with_data(falsy);
            assert_eq!(connect_error(&e), Value::String("no".into()));
        }
    }
}
