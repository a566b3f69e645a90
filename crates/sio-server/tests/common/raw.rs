//! A raw websocket peer speaking Engine.IO / Socket.IO frames by hand, for input no real client sends.

use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// What the peer received next.
#[derive(Debug, PartialEq)]
pub enum Received {
    Text(String),
    Binary(Vec<u8>),
    Closed,
}

/// A raw websocket session.
pub struct Raw {
    ws: Ws,
}

impl Raw {
    /// Opens a websocket session and reads the Engine.IO handshake.
    pub async fn open(addr: SocketAddr) -> Raw {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let (ws, _) = connect_async(url).await.expect("websocket connect");
        let mut raw = Raw { ws };
        match raw.next().await {
            Received::Text(t) if t.starts_with('0') => {}
            other => panic!("expected the open packet, got {other:?}"),
        }
        raw
    }

    /// Opens a session and joins the main namespace; returns the socket id.
    pub async fn connected(addr: SocketAddr) -> (Raw, String) {
        let mut raw = Raw::open(addr).await;
        raw.send("40").await;
        let answer = raw.next_text().await;
        assert!(answer.starts_with("40{"), "{answer}");
        let v: serde_json::Value = serde_json::from_str(&answer[2..]).unwrap();
        (raw, v["sid"].as_str().unwrap().to_owned())
    }

    pub async fn send(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("send");
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.ws.send(Message::binary(bytes)).await.expect("send");
    }

    /// The next text or binary message (answering pings), or `Closed`.
    pub async fn next(&mut self) -> Received {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .expect("a message within 10 s");
            match msg {
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                    let _ = self.ws.send(Message::text("3")).await;
                }
                Some(Ok(Message::Text(t))) => return Received::Text(t.to_string()),
                Some(Ok(Message::Binary(b))) => return Received::Binary(b.to_vec()),
                Some(Ok(Message::Ping(_))) | Some(Ok(Message::Pong(_))) => continue,
                Some(Ok(Message::Frame(_))) => continue,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Received::Closed,
            }
        }
    }

    pub async fn next_text(&mut self) -> String {
        match self.next().await {
            Received::Text(t) => t,
            other => panic!("expected text, got {other:?}"),
        }
    }

    /// Waits until the server closes the session (skipping anything else it sends).
    pub async fn expect_closed(&mut self) {
        loop {
            if self.next().await == Received::Closed {
                return;
            }
        }
    }
}
