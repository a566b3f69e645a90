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
        let options = Options {
            transports: vec![transport],
            reconnection: false,
            ..Options::default()
        };
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
