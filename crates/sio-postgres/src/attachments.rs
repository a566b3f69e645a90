//! How a message travels: as JSON text in the `NOTIFY` itself, or, when it holds binary data or is too
//! large for a notification, as msgpack in a row of the attachments table with a small JSON header
//! `{uid, type, attachmentId}` in the `NOTIFY`. Also the SQL of the table, written as the official
//! adapter writes it.

use crate::error::PostgresError;
use crate::options::PostgresAdapterOptions;
use sio_cluster::message::decode_value;
use sio_cluster::{ClusterMessage, CodecError, MessageType};
use sio_protocol::Value;

/// The SQL statements for one attachments table.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    /// `CREATE TABLE IF NOT EXISTS`, as the official README creates the table.
    pub create: String,
    /// Stores a payload and notifies its header in one statement, so that the row and the notification
    /// commit together and queued messages can be pipelined: `$1` the payload, `$2` the channel, `$3`
    /// and `$4` the header's text before and after the row id.
    pub insert_and_notify: String,
    /// A plain notification: `$1` the channel, `$2` the JSON text.
    pub notify: &'static str,
    /// Reads an attachment: `$1` its id.
    pub select: String,
    /// Deletes the rows older than the cleanup interval.
    pub cleanup: String,
}

impl Sql {
    /// The statements for the options' table and cleanup interval.
    pub fn new(options: &PostgresAdapterOptions) -> Sql {
        let table = &options.table_name;
        Sql {
            create: format!(
                "CREATE TABLE IF NOT EXISTS {table} (\n    id          bigserial UNIQUE,\n    \
                 created_at  timestamptz DEFAULT NOW(),\n    payload     bytea\n);"
            ),
            insert_and_notify: format!(
                "WITH attachment AS (INSERT INTO {table} (payload) VALUES ($1) RETURNING id) \
                 SELECT pg_notify($2::text, $3::text || attachment.id::text || $4::text) FROM attachment"
            ),
            notify: "SELECT pg_notify($1, $2)",
            select: format!("SELECT payload FROM {table} WHERE id = $1"),
            cleanup: format!(
                "DELETE FROM {table} WHERE created_at < now() - interval '{} milliseconds'",
                options.cleanup_interval.as_millis()
            ),
        }
    }
}

/// A message ready to be sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outgoing {
    /// `pg_notify(channel, json)`.
    Notify { channel: String, json: String },
    /// The payload in a row, and `pg_notify(channel, header_start || id || HEADER_END)`.
    Attachment {
        channel: String,
        payload: Vec<u8>,
        header_start: String,
    },
}

/// What closes the header after the row id.
pub(crate) const HEADER_END: &str = "\"}";

/// The types whose binary data the official adapter sends through the table.
fn binary_type(kind: MessageType) -> bool {
    matches!(
        kind,
        MessageType::Broadcast
            | MessageType::BroadcastAck
            | MessageType::ServerSideEmit
            | MessageType::ServerSideEmitResponse
    )
}

/// Encodes `msg` for `channel` as the official `publish` does: binary data (in the four types that may
/// carry it) or JSON text of `threshold` bytes or more go through the table. A FETCH_SOCKETS_RESPONSE with
/// binary socket data goes through the table too (Node would write each buffer as `{type:"Buffer",...}`).
pub(crate) fn encode(
    msg: &ClusterMessage,
    channel: String,
    threshold: usize,
) -> Result<Outgoing, CodecError> {
    let through_table = |msg: &ClusterMessage, channel| {
        Ok(Outgoing::Attachment {
            channel,
            payload: msg.encode_msgpack()?,
            header_start: header_start(msg),
        })
    };
    if binary_type(msg.message_type()) && msg.has_binary() {
        return through_table(msg, channel);
    }
    match msg.encode_json() {
        Ok(json) if json.len() < threshold => Ok(Outgoing::Notify {
            channel,
            json: String::from_utf8(json).map_err(|e| CodecError::Json(e.to_string()))?,
        }),
        Ok(_) | Err(CodecError::BinaryInJson) => through_table(msg, channel),
        Err(e) => Err(e),
    }
}

/// `{"uid":"<uid>","type":<n>,"attachmentId":"` (the official header, whose id node-postgres returns as a
/// string).
fn header_start(msg: &ClusterMessage) -> String {
    let uid = serde_json::Value::String(msg.uid.clone());
    format!(
        "{{\"uid\":{uid},\"type\":{},\"attachmentId\":\"",
        msg.message_type().as_u8()
    )
}

/// A received notification.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Incoming {
    /// The whole message.
    Message(Box<ClusterMessage>),
    /// Only a header: the message is in the row `id`.
    Attachment { uid: String, id: i64 },
}

/// Reads a notification's payload (JSON text).
pub(crate) fn parse(payload: &str) -> Result<Incoming, PostgresError> {
    let value = decode_value(payload.as_bytes())?;
    let Some(id) = value.get("attachmentId") else {
        return Ok(Incoming::Message(Box::new(ClusterMessage::from_value(
            &value,
        )?)));
    };
    let id = match id {
        Value::String(s) => s.parse().ok(),
        other => other.as_i64(),
    }
    .ok_or_else(|| PostgresError::InvalidNotification(format!("attachment id {id:?}")))?;
    let uid = value
        .get("uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(Incoming::Attachment { uid, id })
}

/// Reads an attachment row's payload (msgpack).
pub(crate) fn decode_attachment(payload: &[u8]) -> Result<ClusterMessage, PostgresError> {
    Ok(ClusterMessage::decode(payload)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sio_cluster::MessageBody;

    fn emit(args: Vec<Value>) -> ClusterMessage {
        ClusterMessage::new(
            "0123456789abcdef",
            "/",
            MessageBody::ServerSideEmit {
                event: "e".into(),
                args,
                request_id: None,
            },
        )
    }

    #[test]
    fn small_json_is_notified() {
        let out = encode(&emit(vec![Value::from(1)]), "socket.io#/".into(), 8000).unwrap();
        let Outgoing::Notify { channel, json } = out else {
            panic!("{out:?}")
        };
        assert_eq!(channel, "socket.io#/");
        assert_eq!(
            parse(&json).unwrap(),
            Incoming::Message(Box::new(emit(vec![Value::from(1)])))
        );
    }

    #[test]
    fn binary_and_large_payloads_go_through_the_table() {
        let binary = emit(vec![Value::Binary(vec![1, 2, 3].into())]);
        let large = emit(vec![Value::from("x".repeat(8000))]);
        for msg in [binary, large] {
            let Outgoing::Attachment {
                payload,
                header_start,
                ..
            } = encode(&msg, "c".into(), 8000).unwrap()
            else {
                panic!("not an attachment")
            };
            assert_eq!(decode_attachment(&payload).unwrap(), msg);
            let header = format!("{header_start}42{HEADER_END}");
            assert_eq!(
                header,
                r#"{"uid":"0123456789abcdef","type":9,"attachmentId":"42"}"#
            );
            assert_eq!(
                parse(&header).unwrap(),
                Incoming::Attachment {
                    uid: "0123456789abcdef".into(),
                    id: 42
                }
            );
        }
    }

    #[test]
    fn the_threshold_counts_json_bytes() {
        let msg = emit(vec![Value::from("")]);
        let len = msg.encode_json().unwrap().len();
        assert!(matches!(
            encode(&msg, "c".into(), len + 1).unwrap(),
            Outgoing::Notify { .. }
        ));
        assert!(matches!(
            encode(&msg, "c".into(), len).unwrap(),
            Outgoing::Attachment { .. }
        ));
    }

    #[test]
    fn numeric_ids_and_bad_headers() {
        assert_eq!(
            parse(r#"{"uid":"u","type":3,"attachmentId":7}"#).unwrap(),
            Incoming::Attachment {
                uid: "u".into(),
                id: 7
            }
        );
        assert!(parse(r#"{"uid":"u","type":3,"attachmentId":"x"}"#).is_err());
        assert!(parse("not json").is_err());
        assert!(parse(r#"{"uid":"u","type":99}"#).is_err());
    }
}
