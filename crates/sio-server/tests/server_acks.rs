//! Acknowledgements a socket asks of its client: the event leaves when `emit_with_ack` is called (as the
//! official `emitWithAck`), the answer is read as the asked type, and a timeout fails the wait.

mod common;

use common::raw::Raw;
use sio_server::{AckError, Server, ServerConfig, Socket};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_leaves_when_emit_with_ack_is_called() {
    let io = Server::new(ServerConfig::default());
    io.on_connection(|socket: Socket| async move {
        socket.on("start", |s: Socket| async move {
            let pending = s.emit_with_ack::<_, (String, u32)>("question", &1);
            // Emitted after, but before the future is first polled.
            let _ = s.emit("after", &());
            let answer = pending.await;
            let _ = s.emit("answer", &format!("{answer:?}"));
            let late = s
                .timeout(Duration::from_millis(50))
                .emit_with_ack::<_, String>("unanswered", &());
            let timed_out = matches!(late.await, Err(AckError::Timeout { timeout, .. })
                if timeout == Duration::from_millis(50));
            let _ = s.emit("timed out", &timed_out);
        });
    });
    let (_server, addr) = common::start(&io).await;
    let (mut raw, _) = Raw::connected(addr).await;
    raw.send(r#"42["start"]"#).await;
    assert_eq!(raw.next_text().await, r#"420["question",1]"#);
    assert_eq!(raw.next_text().await, r#"42["after"]"#);
    raw.send(r#"430["yes",2]"#).await;
    assert_eq!(raw.next_text().await, r#"42["answer","Ok((\"yes\", 2))"]"#);
    assert_eq!(raw.next_text().await, r#"421["unanswered"]"#);
    assert_eq!(raw.next_text().await, r#"42["timed out",true]"#);
    // A late answer is ignored.
    raw.send(r#"431["too late"]"#).await;
    raw.send(r#"42["start"]"#).await;
    assert_eq!(raw.next_text().await, r#"422["question",1]"#);
    io.close().await;
}
