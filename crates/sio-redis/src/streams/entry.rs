//! A [`ClusterMessage`] as a stream entry, as `@socket.io/redis-streams-adapter` 0.3.x writes and reads it,
//! and the entries of `XREAD` and `XRANGE` replies.
//!
//! An entry has the fields `uid`, `nsp`, `type` (the message type in decimal) and, when the message has
//! data, `data`: the JSON text of the data, or base64 of its msgpack encoding when it holds binary.
//! Readers tell the two apart by a leading `{`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sio_cluster::message::decode_value;
use sio_cluster::{ClusterMessage, CodecError, MessageBody};
use sio_protocol::value::msgpack;

/// One stream entry: its id (`<ms>-<seq>`) and its fields in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub id: String,
    pub fields: Vec<(String, String)>,
}

impl Entry {
    /// The value of the field `name`, if present.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The message the entry holds (`RedisStreamsAdapter.decode`).
    pub fn decode(&self) -> Result<ClusterMessage, CodecError> {
        let invalid = |what: &str| CodecError::Invalid(what.to_owned());
        let uid = self
            .field("uid")
            .ok_or_else(|| invalid("entry without uid"))?;
        let nsp = self
            .field("nsp")
            .ok_or_else(|| invalid("entry without nsp"))?;
        let kind = self
            .field("type")
            .and_then(|t| t.trim().parse::<u64>().ok())
            .ok_or_else(|| invalid("entry type is not a number"))?;
        let kind = u8::try_from(kind).map_err(|_| CodecError::UnknownType(kind))?;
        let data = match self.field("data") {
            None | Some("") => None,
            Some(text) if text.starts_with('{') => Some(decode_value(text.as_bytes())?),
            Some(text) => {
                let bytes = BASE64
                    .decode(text)
                    .map_err(|e| CodecError::Msgpack(format!("invalid base64: {e}")))?;
                Some(decode_value(&bytes)?)
            }
        };
        let body = MessageBody::from_parts(kind, data.as_ref())?;
        Ok(ClusterMessage::new(uid, nsp, body))
    }
}

/// The fields of the entry for `msg` (`RedisStreamsAdapter.encode`), in the official order.
pub(crate) fn encode(msg: &ClusterMessage) -> Result<Vec<(&'static str, String)>, CodecError> {
    let mut fields = vec![
        ("uid", msg.uid.clone()),
        ("nsp", msg.nsp.clone()),
        ("type", msg.message_type().as_u8().to_string()),
    ];
    if let Some(data) = msg.body.to_data()? {
        let text = if msg.has_binary() {
            BASE64.encode(msgpack::encode(&data))
        } else {
            serde_json::to_string(&data).map_err(|e| CodecError::Json(e.to_string()))?
        };
        fields.push(("data", text));
    }
    Ok(fields)
}

/// The `XADD` of `msg` to `stream`, trimmed to about `max_len` entries.
pub(crate) fn xadd(
    stream: &str,
    max_len: u64,
    msg: &ClusterMessage,
) -> Result<redis::Cmd, CodecError> {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(stream).arg("MAXLEN").arg("~").arg(max_len).arg("*");
    for (name, value) in encode(msg)? {
        cmd.arg(name).arg(value);
    }
    Ok(cmd)
}

/// The entries of an `XRANGE` reply (an array of `[id, [field, value, ...]]`).
pub(crate) fn parse_range(reply: &redis::Value) -> Vec<Entry> {
    match reply {
        redis::Value::Array(items) => items.iter().filter_map(parse_entry).collect(),
        _ => Vec::new(),
    }
}

/// The entries of an `XREAD` reply for one stream: nil on timeout, otherwise a map from the stream name
/// to its entries under RESP3, or an array of `[name, entries]` under RESP2.
pub(crate) fn parse_read(reply: &redis::Value) -> Vec<Entry> {
    match reply {
        redis::Value::Map(streams) => streams
            .iter()
            .flat_map(|(_, entries)| parse_range(entries))
            .collect(),
        redis::Value::Array(streams) => streams
            .iter()
            .flat_map(|s| match s {
                redis::Value::Array(pair) if pair.len() == 2 => parse_range(&pair[1]),
                _ => Vec::new(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn parse_entry(item: &redis::Value) -> Option<Entry> {
    let redis::Value::Array(pair) = item else {
        return None;
    };
    let [id, fields] = pair.as_slice() else {
        return None;
    };
    let id = text(id)?;
    let fields = match fields {
        redis::Value::Array(flat) => flat
            .chunks_exact(2)
            .filter_map(|kv| Some((text(&kv[0])?, text(&kv[1])?)))
            .collect(),
        redis::Value::Map(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| Some((text(k)?, text(v)?)))
            .collect(),
        _ => return None,
    };
    Some(Entry { id, fields })
}

fn text(v: &redis::Value) -> Option<String> {
    match v {
        redis::Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        redis::Value::SimpleString(s) | redis::Value::VerbatimString { text: s, .. } => {
            Some(s.clone())
        }
        _ => None,
    }
}

/// Whether `offset` looks like a stream entry id (`^[0-9]+-[0-9]+$`).
pub(crate) fn is_entry_id(offset: &str) -> bool {
    match offset.split_once('-') {
        Some((ms, seq)) => {
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            digits(ms) && digits(seq)
        }
        None => false,
    }
}

/// The id right after `offset` (`nextOffset`: the sequence plus one), for an exclusive `XRANGE` start that
/// Redis before 6.2 understands too.
pub(crate) fn next_id(offset: &str) -> String {
    match offset.split_once('-') {
        Some((ms, seq)) => match seq.parse::<u64>() {
            Ok(seq) => format!("{ms}-{}", seq.saturating_add(1)),
            Err(_) => offset.to_owned(),
        },
        None => offset.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sio_protocol::Value;
    use sio_server::adapter::BroadcastOptions;

    fn broadcast(args: Vec<Value>) -> ClusterMessage {
        let mut opts = BroadcastOptions::default();
        opts.rooms.insert("room1".into());
        ClusterMessage::new(
            "0123456789abcdef",
            "/",
            MessageBody::Broadcast {
                opts,
                event: "myEvent".into(),
                args,
                request_id: None,
            },
        )
    }

    fn entry(fields: Vec<(&'static str, String)>) -> Entry {
        Entry {
            id: "1-0".into(),
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }

    #[test]
    fn json_entry_as_node_writes_it() {
        let fields = encode(&broadcast(vec![Value::from(1u64)])).unwrap();
        let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, ["uid", "nsp", "type", "data"]);
        assert_eq!(fields[2].1, "3");
        assert_eq!(
            fields[3].1,
            r#"{"packet":{"type":2,"data":["myEvent",1]},"opts":{"rooms":["room1"],"except":[],"flags":{}}}"#
        );
        assert_eq!(
            entry(fields).decode().unwrap(),
            broadcast(vec![Value::from(1u64)])
        );
    }

    #[test]
    fn binary_entry_is_base64_msgpack() {
        let msg = broadcast(vec![Value::Binary(vec![1u8, 2, 3].into())]);
        let fields = encode(&msg).unwrap();
        assert!(!fields[3].1.starts_with('{'));
        assert!(BASE64.decode(&fields[3].1).is_ok());
        assert_eq!(entry(fields).decode().unwrap(), msg);
    }

    #[test]
    fn entry_without_data() {
        let msg = ClusterMessage::new("u", "/", MessageBody::AdapterClose);
        let fields = encode(&msg).unwrap();
        assert_eq!(fields.len(), 3);
        assert_eq!(entry(fields).decode().unwrap(), msg);
    }

    #[test]
    fn offsets() {
        assert!(is_entry_id("1700000000000-0"));
        assert!(!is_entry_id("abc"));
        assert!(!is_entry_id("507f191e810c19729de860ea"));
        assert!(!is_entry_id("1-"));
        assert!(!is_entry_id("-1"));
        assert_eq!(next_id("1700000000000-9"), "1700000000000-10");
    }

    #[test]
    fn read_replies() {
        let bulk = |s: &str| redis::Value::BulkString(s.as_bytes().to_vec());
        let entries = redis::Value::Array(vec![redis::Value::Array(vec![
            bulk("5-1"),
            redis::Value::Array(vec![bulk("uid"), bulk("u"), bulk("nsp"), bulk("/")]),
        ])]);
        let resp3 = redis::Value::Map(vec![(bulk("socket.io"), entries.clone())]);
        let resp2 =
            redis::Value::Array(vec![redis::Value::Array(vec![bulk("socket.io"), entries])]);
        for reply in [resp3, resp2] {
            let read = parse_read(&reply);
            assert_eq!(read.len(), 1);
            assert_eq!(read[0].id, "5-1");
            assert_eq!(read[0].field("nsp"), Some("/"));
        }
        assert!(parse_read(&redis::Value::Nil).is_empty());
    }
}
