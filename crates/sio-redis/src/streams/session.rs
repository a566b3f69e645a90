//! Sessions for connection state recovery, stored as the official adapter stores them, so that a Node
//! node restores a session a Rust node persisted and back:
//!
//! - persist: `SET <sessionKeyPrefix><pid> base64(msgpack({sid, pid, rooms, data})) PX <maxDisconnectionDuration>`;
//! - restore: the offset must look like an entry id; then, at once, take the session (get and delete, so
//!   that it restores only once) and check that the offset is still in the stream (not trimmed); the
//!   missed packets are the broadcasts of the namespace after the offset that reached the session's rooms
//!   (`XRANGE <stream> <offset+1> +`, at most 100 rounds), each with its entry id appended.

use super::entry::{is_entry_id, next_id, parse_range};
use crate::connection::RedisConnection;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::Bytes;
use sio_protocol::value::{msgpack, Map};
use sio_protocol::Value;
use sio_server::adapter::{Room, Session, SessionToPersist};
use sio_server::AdapterError;
use std::time::Duration;

/// `RESTORE_SESSION_MAX_XRANGE_CALLS`.
const MAX_XRANGE_CALLS: usize = 100;
/// How deeply a stored session may nest.
const MAX_DEPTH: usize = 100;

/// The stored form of a session: base64 of the msgpack map `{sid, pid, rooms, data}`.
pub(crate) fn encode(session: &SessionToPersist) -> String {
    let mut map = Map::with_capacity(4);
    map.insert("sid".into(), Value::String(session.sid.clone()));
    map.insert("pid".into(), Value::String(session.pid.clone()));
    map.insert(
        "rooms".into(),
        Value::Array(session.rooms.iter().cloned().map(Value::String).collect()),
    );
    map.insert("data".into(), session.data.clone());
    BASE64.encode(msgpack::encode(&Value::Object(map)))
}

/// Reads a stored session (without missed packets); `None` if it is not one.
pub(crate) fn decode(stored: &str) -> Option<Session> {
    let bytes = BASE64.decode(stored.trim()).ok()?;
    let value = msgpack::decode(&Bytes::from(bytes), MAX_DEPTH).ok()?;
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let rooms = value
        .get("rooms")
        .and_then(Value::as_array)
        .map(|rooms| rooms.iter().filter_map(room_name).collect())
        .unwrap_or_default();
    Some(Session {
        sid: text("sid")?,
        pid: text("pid")?,
        rooms,
        data: value.get("data").cloned().unwrap_or(Value::Null),
        missed_packets: Vec::new(),
    })
}

/// A room as Node names it: strings, and numbers written as JavaScript writes them.
fn room_name(v: &Value) -> Option<Room> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{}", f as i64),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

/// Stores `session` under `key` for `ttl`.
pub(crate) async fn persist(
    conn: &RedisConnection,
    key: String,
    session: &SessionToPersist,
    ttl: Duration,
) -> Result<(), AdapterError> {
    let mut cmd = redis::cmd("SET");
    cmd.arg(key)
        .arg(encode(session))
        .arg("PX")
        .arg(ttl.as_millis().max(1) as u64);
    conn.query::<()>(&cmd).await?;
    Ok(())
}

/// Where to find a session and its missed packets.
pub(crate) struct Lookup<'a> {
    pub key: String,
    pub stream: &'a str,
    pub nsp: &'a str,
}

/// Takes the session under `lookup.key` and the packets it missed after `offset`; `None` when the offset
/// is not an entry id, the session is unknown (or restored already) or the offset left the stream.
pub(crate) async fn restore(
    conn: &RedisConnection,
    lookup: Lookup<'_>,
    offset: &str,
) -> Result<Option<Session>, AdapterError> {
    if !is_entry_id(offset) {
        tracing::debug!(offset, "not restoring a session: invalid offset");
        return Ok(None);
    }
    let mut getdel = redis::cmd("GETDEL");
    getdel.arg(&lookup.key);
    let mut at = redis::cmd("XRANGE");
    at.arg(lookup.stream).arg(offset).arg(offset);
    let (stored, at) = tokio::join!(
        conn.query::<Option<String>>(&getdel),
        conn.query::<redis::Value>(&at)
    );
    let (stored, at) = (stored?, at?);
    let Some(stored) = stored else {
        tracing::debug!(key = lookup.key, "not restoring a session: unknown session");
        return Ok(None);
    };
    if parse_range(&at).is_empty() {
        tracing::debug!(
            offset,
            "not restoring a session: the offset is not in the stream"
        );
        return Ok(None);
    }
    let Some(mut session) = decode(&stored) else {
        tracing::warn!(
            key = lookup.key,
            "not restoring a session: invalid stored session"
        );
        return Ok(None);
    };
    let mut offset = offset.to_owned();
    for _ in 0..MAX_XRANGE_CALLS {
        let mut range = redis::cmd("XRANGE");
        range.arg(lookup.stream).arg(next_id(&offset)).arg("+");
        let entries = parse_range(&conn.query::<redis::Value>(&range).await?);
        if entries.is_empty() {
            break;
        }
        for entry in entries {
            if entry.field("nsp") == Some(lookup.nsp) && entry.field("type") == Some("3") {
                match entry.decode() {
                    Ok(msg) => session
                        .missed_packets
                        .extend(msg.missed_by(&session.rooms, &entry.id)),
                    Err(error) => {
                        tracing::debug!(id = %entry.id, %error, "skipping an invalid stream entry")
                    }
                }
            }
            offset = entry.id;
        }
    }
    Ok(Some(session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let persisted = SessionToPersist {
            sid: "abcdefghijklmnopqrst".into(),
            pid: "pid".into(),
            rooms: vec!["abcdefghijklmnopqrst".into(), "room1".into()],
            data: Value::Binary(Bytes::from_static(b"\x00\x01")),
        };
        let session = decode(&encode(&persisted)).unwrap();
        assert_eq!(session.sid, persisted.sid);
        assert_eq!(session.pid, persisted.pid);
        assert_eq!(session.rooms, persisted.rooms);
        assert_eq!(session.data, persisted.data);
        assert!(session.missed_packets.is_empty());
    }

    #[test]
    fn reads_what_node_stores() {
        // Buffer.from(encode({sid: "s", pid: "p", rooms: ["s", 1], data: {a: 1}})).toString("base64")
        // with @msgpack/msgpack 2.8.
        let session = decode("hKNzaWShc6NwaWShcKVyb29tc5KhcwGkZGF0YYGhYQE=").unwrap();
        assert_eq!(session.sid, "s");
        assert_eq!(session.pid, "p");
        assert_eq!(session.rooms, ["s", "1"]);
        assert_eq!(session.data.get("a").and_then(Value::as_u64), Some(1));
        assert!(decode("not base64!").is_none());
    }
}
