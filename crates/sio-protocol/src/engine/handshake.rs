//! The handshake JSON carried by the `open` packet.

use serde::{Deserialize, Serialize};

/// The data of an `open` packet: `{"sid","upgrades","pingInterval","pingTimeout","maxPayload"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handshake {
    /// The session id.
    pub sid: String,
    /// Transports the session may upgrade to (`["websocket"]` from polling, else empty).
    pub upgrades: Vec<String>,
    /// Milliseconds between two server pings.
    pub ping_interval: u64,
    /// Milliseconds the server waits for a pong.
    pub ping_timeout: u64,
    /// The largest polling body the server accepts, in bytes.
    pub max_payload: u64,
}

impl Handshake {
    /// The JSON text of this handshake, as sent after the `0` type character.
    pub fn to_json(&self) -> String {
        // Serialising a struct of strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_protocol_example() {
        let h = Handshake {
            sid: "lv_VI97HAXpY6yYWAAAC".into(),
            upgrades: vec!["websocket".into()],
            ping_interval: 25000,
            ping_timeout: 20000,
            max_payload: 1_000_000,
        };
        let json = h.to_json();
        assert_eq!(
            json,
            r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        );
        assert_eq!(serde_json::from_str::<Handshake>(&json).unwrap(), h);
    }
}
