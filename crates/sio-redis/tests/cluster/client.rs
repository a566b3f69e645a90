//! A sio-client socket that records every event it gets, for tests that drive the contract themselves.

use sio_client::{Options, Socket, TransportKind};
use sio_protocol::Value;
use std::time::Duration;
use tokio::sync::mpsc;

/// A connected client and the events it received (name and arguments; `disconnect` included).
pub struct Client {
    pub socket: Socket,
    events: mpsc::UnboundedReceiver<(String, Vec<Value>)>,
}

impl Client {
    /// Connects to `url` (`http://127.0.0.1:P`) on the namespace `nsp`, websocket only, no reconnection.
    pub async fn connect(url: &str, nsp: &str) -> Client {
        let options = Options::default()
            .transports(vec![TransportKind::WebSocket])
            .reconnection(false)
            .force_new(true);
        let socket = sio_client::io(&format!("{url}{nsp}"), options).expect("client");
        let (tx, events) = mpsc::unbounded_channel();
        let any = tx.clone();
        socket.on_any(move |e| {
            let _ = any.send((e.name.clone(), e.args.clone()));
        });
        socket.on_disconnect(move |reason| {
            let _ = tx.send((
                "disconnect".into(),
                vec![Value::from(format!("{reason:?}"))],
            ));
        });
        tokio::time::timeout(Duration::from_secs(10), socket.connect())
            .await
            .expect("connect in time")
            .expect("connected");
        Client { socket, events }
    }

    /// Emits a contract event and returns its ack.
    pub async fn call(&self, event: &str, arg: Value) -> Value {
        let ack = self.socket.emit_with_ack::<_, Value>(event, &arg);
        tokio::time::timeout(Duration::from_secs(10), ack)
            .await
            .unwrap_or_else(|_| panic!("no ack for {event}"))
            .unwrap_or_else(|e| panic!("{event} failed: {e}"))
    }

    /// The next event named `name` within `wait` (others are skipped), or `None`.
    pub async fn next(&mut self, name: &str, wait: Duration) -> Option<Vec<Value>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some((event, args))) if event == name => return Some(args),
                Ok(Some(_)) => continue,
                _ => return None,
            }
        }
    }

    /// Every event received within `wait`.
    pub async fn drain(&mut self, wait: Duration) -> Vec<(String, Vec<Value>)> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut all = Vec::new();
        while let Ok(Some(e)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
            all.push(e);
        }
        all
    }
}
