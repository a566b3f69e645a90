//! Engine.IO open + Socket.IO CONNECT to a namespace (the main one unless said) over a websocket-only
//! connection.

use crate::error::BenchError;
use crate::frames::push_text_frame;
use crate::ws_conn::WsConn;
use std::net::SocketAddr;

/// Connects straight over websocket (`transport=websocket`), waits for the Engine.IO open packet,
/// sends the Socket.IO CONNECT for `/` and waits for the server's CONNECT answer. `query` is appended
/// to the request's query string (e.g. `&room=r7`).
pub async fn connect(addr: SocketAddr, query: &str) -> Result<WsConn, BenchError> {
    open(addr, query, "/", "", false)
        .await
        .map(|(conn, _, _)| conn)
}

/// [`connect`] to the namespace `nsp` (`/ns/7`) instead of `/`.
pub async fn connect_nsp(addr: SocketAddr, nsp: &str) -> Result<WsConn, BenchError> {
    open(addr, "", nsp, "", false)
        .await
        .map(|(conn, _, _)| conn)
}

/// [`connect`] offering permessage-deflate, which the server must accept.
pub async fn connect_deflate(addr: SocketAddr, query: &str) -> Result<WsConn, BenchError> {
    open(addr, query, "/", "", true)
        .await
        .map(|(conn, _, _)| conn)
}

/// [`connect`] with `auth` (a JSON object, or empty for none) in the CONNECT packet; also returns the
/// server's CONNECT answer (`{"sid":...}`, or `{"sid":...,"pid":...}` with connection state recovery)
/// and the events that came before it or right behind it in the same read (a recovered session's
/// missed events).
pub async fn connect_with_auth(
    addr: SocketAddr,
    query: &str,
    auth: &str,
) -> Result<(WsConn, String, Vec<Vec<u8>>), BenchError> {
    open(addr, query, "/", auth, false).await
}

async fn open(
    addr: SocketAddr,
    query: &str,
    nsp: &str,
    auth: &str,
    deflate: bool,
) -> Result<(WsConn, String, Vec<Vec<u8>>), BenchError> {
    let path = format!("/socket.io/?EIO=4&transport=websocket{query}");
    // `40` for the main namespace, `40/ns/7,` for another one: what CONNECT and its answer start with.
    let connect = if nsp == "/" {
        "40".to_owned()
    } else {
        format!("40{nsp},")
    };
    let mut conn = WsConn::connect_with(addr, &path, deflate).await?;
    let mut state = State::AwaitOpen;
    let mut early = Vec::new();
    loop {
        // Frames may already be buffered behind the upgrade response.
        conn.handle(|_, text, out| match state {
            State::AwaitOpen if text.first() == Some(&b'0') => {
                push_text_frame(out, &[connect.as_bytes(), auth.as_bytes()]);
                state = State::AwaitConnect;
            }
            State::AwaitConnect if text.starts_with(connect.as_bytes()) => {
                state =
                    State::Connected(String::from_utf8_lossy(&text[connect.len()..]).into_owned())
            }
            // A recovered session's missed events come before its CONNECT answer (as officially)
            // and may come right behind it in the same read.
            State::AwaitConnect | State::Connected(_) if text.starts_with(b"42") => {
                early.push(text.to_vec())
            }
            State::AwaitConnect if text.starts_with(b"44") => {
                state = State::Refused(String::from_utf8_lossy(text).into_owned())
            }
            _ => {}
        })?;
        conn.flush().await?;
        match state {
            State::Connected(answer) => return Ok((conn, answer, early)),
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
    Connected(String),
    Refused(String),
}
