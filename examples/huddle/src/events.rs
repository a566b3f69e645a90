//! The events server and client exchange, typed once for both sides.
//!
//! | event | from | arguments | acknowledgement |
//! | --- | --- | --- | --- |
//! | [`JOIN`] | client | room name | [`Joined`] |
//! | [`LEAVE`] | client | room name | none |
//! | [`SAY`] | client | [`Say`] | [`Said`] |
//! | [`POST`] | server | [`Post`] | none |
//! | [`PRESENCE`] | server | [`Presence`] | none |
//!
//! The handshake carries [`Credentials`] as its `auth` payload.

use serde::{Deserialize, Serialize};

/// Joins a room; answered with [`Joined`].
pub const JOIN: &str = "join";
/// Leaves a room.
pub const LEAVE: &str = "leave";
/// Posts to a room; answered with [`Said`].
pub const SAY: &str = "say";
/// A post in a room the client is in.
pub const POST: &str = "post";
/// Someone came to or left a room the client is in.
pub const PRESENCE: &str = "presence";

/// The handshake's `auth` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credentials {
    /// The user's token.
    pub token: String,
}

/// The answer to [`JOIN`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Joined {
    /// The room.
    pub room: String,
    /// Who is in it now (the joining user included), sorted.
    pub members: Vec<String>,
    /// Its latest posts, oldest first.
    pub history: Vec<Post>,
}

/// A message to post ([`SAY`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Say {
    /// The room, which the sender must be in.
    pub room: String,
    /// The text.
    pub text: String,
}

/// The answer to [`SAY`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Said {
    /// Posted, with this id.
    Posted {
        /// The post's id.
        id: u64,
    },
    /// Not posted.
    Refused {
        /// Why: not in the room, empty text, or too many posts too fast.
        reason: String,
    },
}

/// A post ([`POST`], and the history of [`Joined`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    /// Its id, increasing across the server.
    pub id: u64,
    /// The room.
    pub room: String,
    /// The author's name.
    pub from: String,
    /// The text.
    pub text: String,
}

/// Someone came to or left a room ([`PRESENCE`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    /// The room.
    pub room: String,
    /// The user's name.
    pub user: String,
    /// Whether they came (`true`) or left.
    pub here: bool,
}
