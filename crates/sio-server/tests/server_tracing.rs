//! What handlers log carries the socket's span, `socket{nsp, id, engine}`, which links the socket id to
//! its Engine.IO session id; the session task's events are in `engine{sid}`.

mod common;

use common::raw::Raw;
use sio_server::{AckSender, Server, ServerConfig, Socket};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Collects what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// One thread: the subscriber set below is the current thread's, and every task runs there.
#[tokio::test(flavor = "current_thread")]
async fn handlers_log_in_the_span_of_their_socket() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("sio_server=debug,app=info")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let io = Server::new(ServerConfig::default());
    io.on_connection(|socket: Socket| async move {
        socket.on("work", |_s: Socket, ack: AckSender| async move {
            tracing::info!(target: "app", "working");
            tokio::task::yield_now().await;
            tracing::info!(target: "app", "worked");
            let _ = ack.send(&());
        });
    });
    let (_server, addr) = common::start(&io).await;
    let (mut raw, sid) = Raw::connected(addr).await;
    let engine_sid = io.sockets().socket(&sid).unwrap().conn().id().to_owned();
    raw.send(r#"421["work"]"#).await;
    assert_eq!(raw.next_text().await, "431[]");
    // A namespace disconnect, handled in the session's task.
    raw.send("41").await;
    for _ in 0..200 {
        if io.sockets().socket(&sid).is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    io.close().await;

    let text = captured.text();
    let span = format!("socket{{nsp=/ id={sid} engine={engine_sid}}}");
    for message in ["working", "worked"] {
        let line = text
            .lines()
            .find(|l| l.ends_with(message))
            .unwrap_or_else(|| panic!("no {message:?} in {text}"));
        assert!(line.contains(&span), "{line}");
    }
    let closed = text
        .lines()
        .find(|l| l.contains("socket disconnected") && l.contains("client namespace disconnect"))
        .unwrap_or_else(|| panic!("no disconnection in {text}"));
    assert!(
        closed.contains(&format!("engine{{sid={engine_sid}}}")),
        "{closed}"
    );
}
