//! What a client session reports (connections, events, acks, reconnections), as a line for a person
//! (with a timestamp) or as one JSON object for a script.

use crate::args::{to_json, value_json};
use serde_json::json;
use sio_client::Value;
use std::time::SystemTime;

/// One thing that happened in a session.
#[derive(Debug, Clone)]
pub struct Note {
    /// When it happened.
    pub at: SystemTime,
    /// The namespace, or `None` for the connection as a whole.
    pub nsp: Option<String>,
    /// What happened.
    pub kind: NoteKind,
}

/// The kinds of [`Note`].
#[derive(Debug, Clone)]
pub enum NoteKind {
    /// The server accepted the namespace.
    Connect {
        /// The socket id.
        id: Option<String>,
    },
    /// The namespace's socket disconnected.
    Disconnect {
        /// The official reason.
        reason: String,
    },
    /// The server refused the namespace, or the connection attempt failed.
    ConnectError {
        /// `err.message`.
        message: String,
        /// `err.data`.
        data: Option<Value>,
    },
    /// An event arrived.
    Event {
        /// Its name.
        event: String,
        /// Its arguments.
        args: Vec<Value>,
        /// The id of the acknowledgement the server asked for, if it did (`ack ID JSON...` answers it).
        ack_id: Option<u64>,
    },
    /// The acknowledgement of an emit arrived.
    Ack {
        /// The emitted event.
        event: String,
        /// The server's answer.
        args: Vec<Value>,
    },
    /// The acknowledgement of an emit did not arrive.
    AckFailed {
        /// The emitted event.
        event: String,
        /// Why.
        error: String,
    },
    /// The connection closed.
    Closed {
        /// The official reason.
        reason: String,
    },
    /// A reconnection attempt starts.
    ReconnectAttempt {
        /// Its number.
        attempt: u32,
    },
    /// Reconnected.
    Reconnect {
        /// After this many attempts.
        attempts: u32,
    },
}

impl Note {
    /// A note about `nsp` (or the whole connection), now.
    pub fn now(nsp: Option<&str>, kind: NoteKind) -> Note {
        Note {
            at: SystemTime::now(),
            nsp: nsp.map(str::to_owned),
            kind,
        }
    }

    /// The time as RFC 3339 in UTC with milliseconds.
    fn time(&self) -> String {
        humantime::format_rfc3339_millis(self.at).to_string()
    }

    /// One line for a terminal: `HH:MM:SS.mmm /nsp what`.
    pub fn human(&self) -> String {
        let time = self.time();
        let clock = time.get(11..23).unwrap_or(&time);
        let nsp = self.nsp.as_deref().unwrap_or("");
        let what = match &self.kind {
            NoteKind::Connect { id } => format!("connected (id {})", id.as_deref().unwrap_or("?")),
            NoteKind::Disconnect { reason } => format!("disconnected: {reason}"),
            NoteKind::ConnectError { message, data } => match data {
                Some(data) => format!("connect error: {message} {}", value_json(data)),
                None => format!("connect error: {message}"),
            },
            NoteKind::Event {
                event,
                args,
                ack_id,
            } => match ack_id {
                Some(id) => format!(
                    "<- {event} {} (asks for an ack: answer with ack {id} JSON...)",
                    to_json(args)
                ),
                None => format!("<- {event} {}", to_json(args)),
            },
            NoteKind::Ack { event, args } => format!("ack of {event}: {}", to_json(args)),
            NoteKind::AckFailed { event, error } => format!("no ack of {event}: {error}"),
            NoteKind::Closed { reason } => format!("connection closed: {reason}"),
            NoteKind::ReconnectAttempt { attempt } => format!("reconnecting (attempt {attempt})"),
            NoteKind::Reconnect { attempts } => format!("reconnected after {attempts} attempt(s)"),
        };
        if nsp.is_empty() {
            format!("{clock} {what}")
        } else {
            format!("{clock} {nsp} {what}")
        }
    }

    /// One JSON object: `{"time", "type", "nsp", ...}`.
    pub fn json(&self) -> serde_json::Value {
        let mut v = match &self.kind {
            NoteKind::Connect { id } => json!({ "type": "connect", "id": id }),
            NoteKind::Disconnect { reason } => json!({ "type": "disconnect", "reason": reason }),
            NoteKind::ConnectError { message, data } => json!({
                "type": "connect_error",
                "message": message,
                "data": data.as_ref().map(value_json),
            }),
            NoteKind::Event {
                event,
                args,
                ack_id,
            } => {
                let mut v = json!({ "type": "event", "event": event, "args": to_json(args) });
                v["ack"] = json!(ack_id.is_some());
                if let Some(id) = ack_id {
                    v["ack_id"] = json!(id);
                }
                v
            }
            NoteKind::Ack { event, args } => {
                json!({ "type": "ack", "event": event, "args": to_json(args) })
            }
            NoteKind::AckFailed { event, error } => {
                json!({ "type": "ack_error", "event": event, "error": error })
            }
            NoteKind::Closed { reason } => json!({ "type": "close", "reason": reason }),
            NoteKind::ReconnectAttempt { attempt } => {
                json!({ "type": "reconnect_attempt", "attempt": attempt })
            }
            NoteKind::Reconnect { attempts } => {
                json!({ "type": "reconnect", "attempts": attempts })
            }
        };
        v["time"] = self.time().into();
        if let Some(nsp) = &self.nsp {
            v["nsp"] = nsp.as_str().into();
        }
        v
    }
}
