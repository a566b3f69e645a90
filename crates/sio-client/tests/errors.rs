//! Transport errors keep their cause: a refused connection says so on every transport, in the message and
//! as a typed source (the `io::Error` and its kind).

use sio_client::{io, Error, Options, TransportKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_names_its_cause() {
    // A port nobody listens on: bound, then closed.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    for transport in [TransportKind::Polling, TransportKind::WebSocket] {
        let options = Options::default()
            .transports(vec![transport])
            .reconnection(false);
        let socket = io(&format!("http://127.0.0.1:{port}/"), options).unwrap();
        let error = tokio::time::timeout(std::time::Duration::from_secs(10), socket.connect())
            .await
            .expect("fails within 10 s")
            .expect_err("nobody listens");
        let message = error.to_string();
        assert!(
            message.to_lowercase().contains("connection refused"),
            "{transport:?}: {message}"
        );
        // The cause itself, typed.
        let Error::Transport(cause) = &error else {
            panic!("{transport:?}: not a transport error: {error:?}");
        };
        assert_eq!(
            cause.io_error_kind(),
            Some(std::io::ErrorKind::ConnectionRefused),
            "{transport:?}: {message}"
        );
        assert!(std::error::Error::source(cause).is_some());
    }
}

/// Errors other than the transport's are typed too: a URL sio cannot connect to, a handshake that is not
/// Engine.IO's (with its cause), a reserved event name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_handshake_and_event_name_errors_are_typed() {
    use sio_client::{HandshakeError, UrlError};
    let refused = io("ftp://127.0.0.1/", Options::default()).expect_err("not http");
    assert_eq!(
        refused,
        Error::InvalidUrl(UrlError::UnsupportedScheme("ftp".into()))
    );

    // An HTTP server that is not an Engine.IO server: its answer is no payload.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut head = [0u8; 4096];
            let _ = conn.read(&mut head).await;
            let answer =
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nhello";
            let _ = conn.write_all(answer.as_bytes()).await;
        }
    });
    let options = Options::default()
        .transports(vec![TransportKind::Polling])
        .reconnection(false);
    let socket = io(&format!("http://{addr}/"), options).unwrap();
    let error = tokio::time::timeout(std::time::Duration::from_secs(10), socket.connect())
        .await
        .expect("fails within 10 s")
        .expect_err("not Engine.IO");
    let Error::Handshake(HandshakeError::Payload(cause)) = &error else {
        panic!("not a payload error: {error:?}");
    };
    assert!(error
        .to_string()
        .starts_with("invalid handshake: bad payload"));
    assert_eq!(
        std::error::Error::source(&error).map(|s| s.to_string()),
        Some(format!("bad payload: {cause}"))
    );
    assert_eq!(
        socket.emit("connect", &()),
        Err(Error::ReservedEvent("connect".into()))
    );
    server.abort();
}
