//! The client: a user's session on a huddle server ([`Client`]), with the events typed.

use crate::events::{
    Credentials, Joined, Post, Presence, Said, Say, JOIN, LEAVE, POST, PRESENCE, SAY,
};
use sio_client::{AckError, Auth, DisconnectReason, Error, Options, TransportKind};
use std::time::Duration;

/// How long the client waits for an acknowledgement.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// A connected user.
pub struct Client {
    socket: sio_client::Socket,
}

impl Client {
    /// Connects to the server at `url` with `token`, over `transports` (empty: the default, polling then
    /// websocket). Fails with the server's refusal (`unknown token`) or the transport's error.
    pub async fn connect(
        url: &str,
        token: &str,
        transports: Vec<TransportKind>,
    ) -> Result<Client, Error> {
        let mut options = Options::default()
            .auth(Auth::Value(
                sio_client::to_value(&Credentials {
                    token: token.to_owned(),
                })
                .map_err(Error::Serde)?,
            ))
            .reconnection(false);
        if !transports.is_empty() {
            options.transports = transports;
        }
        let socket = sio_client::io(url, options)?;
        socket.connect().await?;
        Ok(Client { socket })
    }

    /// Joins `room`: its members and history.
    pub async fn join(&self, room: &str) -> Result<Joined, AckError> {
        self.socket
            .timeout(ACK_TIMEOUT)
            .emit_with_ack(JOIN, room)
            .await
    }

    /// Leaves `room`.
    pub fn leave(&self, room: &str) -> Result<(), Error> {
        self.socket.emit(LEAVE, room)
    }

    /// Posts `text` to `room`.
    pub async fn say(&self, room: &str, text: &str) -> Result<Said, AckError> {
        let say = Say {
            room: room.to_owned(),
            text: text.to_owned(),
        };
        self.socket
            .timeout(ACK_TIMEOUT)
            .emit_with_ack(SAY, &say)
            .await
    }

    /// Calls `f` with each post of the rooms joined (but one's own).
    pub fn on_post(&self, f: impl Fn(Post) + Send + Sync + 'static) {
        self.socket.on_typed(POST, move |post: Post, _| f(post));
    }

    /// Calls `f` when someone comes to or leaves a room joined.
    pub fn on_presence(&self, f: impl Fn(Presence) + Send + Sync + 'static) {
        self.socket
            .on_typed(PRESENCE, move |presence: Presence, _| f(presence));
    }

    /// Calls `f` when the connection ends, with the reason (`transport close` when the server shuts down,
    /// as with the official server's `io.close()`).
    pub fn on_disconnect(&self, f: impl Fn(DisconnectReason) + Send + Sync + 'static) {
        self.socket.on_disconnect(f);
    }

    /// Leaves the server.
    pub fn disconnect(&self) {
        self.socket.disconnect();
    }
}
