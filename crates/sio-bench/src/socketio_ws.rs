//! Engine.IO open + Socket.IO CONNECT to the main namespace over a websocket-only connection.

use crate::error::BenchError;
use crate::frames::push_text_frame;
use crate::ws_conn::WsConn;
use std::net::SocketAddr;

/// Connects straight over websocket (`transport=websocket`), waits for the Engine.IO open packet,
/// sends the Socket.IO CONNECT for `/` and waits for the server's CONNECT answer. `query` is appended
/// to the request's query string (e.g. `&room=r7`).
pub async fn connect(addr: SocketAddr, query: &str) -> Result<WsConn, BenchError> {
    let path = format!("/socket.io/?EIO=4&transport=websocket{query}");
    let mut conn = WsConn::connect(addr, &path).await?;
    let mut state = State::AwaitOpen;
    loop {
        // Frames may already be buffered behind the upgrade response.
        conn.handle(|_, text, out| match state {
            State::AwaitOpen if text.first() == Some(&b'0') => {
                push_text_frame(out, &[b"40"]);
                state = State::AwaitConnect;
            }
            State::AwaitConnect if text.starts_with(b"40") => state = State::Connected,
            State::AwaitConnect if text.starts_with(b"44") => {
                state = State::Refused(String::from_utf8_lossy(text).into_owned())
            }
            _ => {}
        })?;
        conn.flush().await?;
        match state {
            State::Connected => return Ok(conn),
            State::Refused(why) => {
                return Err(BenchError::Protocol(format!("CONNECT refused: {why}")))
            }
            _ => conn.read_some().await?,
        }
    }
}

enum State {
    AwaitOpen,
    AwaitConnect,
    Connected,
    Refused(String),
}
