//! The official `engine.io-client` and `socket.io-client` bundles in Chromium against sio over
//! WebTransport (`tests/js/browser/webtransport.mjs`): sessions opened on WebTransport and upgraded
//! to it from polling, text and binary both ways, and closes from either side. Chromium trusts the
//! listener's short-lived ECDSA certificate through `serverCertificateHashes`.
#![cfg(feature = "webtransport")]

mod common;

use sio_protocol::engine::{Frame, Packet};
use sio_server::engine::{
    certificate_hash, CloseReason, Engine, EngineConfig, EngineHandler, EngineServer, EngineSocket,
    Identity, Transport, WebTransportServer,
};
use sio_server::{AckSender, Server, ServerConfig, Socket, Value};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the servers saw end: `transport reason` per closed session or socket.
type Closes = Arc<Mutex<Vec<String>>>;

/// Engine.IO echo: every message back as it came; `close me` closes the session from the server.
struct Echo(Closes);

impl EngineHandler for Echo {
    type Session = ();
    fn on_open(&self, _socket: &EngineSocket) {}

    fn on_message(&self, socket: &EngineSocket, _: &mut (), message: Packet) {
        if matches!(&message, Packet::Message(text) if text.as_str() == "close me") {
            socket.close(CloseReason::ForcedClose);
            return;
        }
        let frame = match message {
            Packet::Binary(bytes) => Frame::Binary(bytes),
            other => other.encode(),
        };
        let _ = socket.send(&[frame]);
    }

    fn on_close(&self, socket: &EngineSocket, _: (), reason: CloseReason) {
        let line = format!("{} {reason}", socket.transport());
        self.0.lock().unwrap().push(line);
    }
}

/// Listens on HTTP and on WebTransport with the same port number (the client uses the page's host and
/// port for both), retrying on a port whose UDP side is taken.
async fn listen_both<F, FutH, G, FutW>(
    http: F,
    wt: G,
    identity: &Identity,
) -> (EngineServer, WebTransportServer)
where
    F: Fn() -> FutH,
    FutH: Future<Output = EngineServer>,
    G: Fn(SocketAddr, Identity) -> FutW,
    FutW: Future<Output = std::io::Result<WebTransportServer>>,
{
    for _ in 0..20 {
        let server = http().await;
        if let Ok(wt) = wt(server.local_addr(), identity.clone_identity()).await {
            return (server, wt);
        }
        server.shutdown().await;
    }
    panic!("no port free on both TCP and UDP");
}

fn socketio(closes: Closes) -> Server {
    let mut config = ServerConfig::default();
    config.engine.transports.push(Transport::WebTransport);
    let io = Server::new(config);
    io.on_connection(move |socket: Socket| {
        let closes = closes.clone();
        async move {
            let transport = socket.conn().transport().as_str();
            let _ = socket.emit("hello", &transport);
            socket.on(
                "echo",
                |_: Socket, args: Vec<Value>, ack: AckSender| async move {
                    let _ = ack.send_args(args);
                },
            );
            socket.on("push", |socket: Socket, args: Vec<Value>| async move {
                let _ = socket.emit_args("pushed", args);
            });
            socket.on("transport", |socket: Socket, ack: AckSender| async move {
                let _ = ack.send(&socket.conn().transport().as_str());
            });
            socket.on("kick", |socket: Socket| async move {
                socket.disconnect(true);
            });
            socket.on_disconnect(move |socket: Socket, reason| {
                let line = format!("{} {reason}", socket.conn().transport());
                closes.lock().unwrap().push(line);
                async {}
            });
        }
    });
    io
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_browser_clients_over_webtransport() {
    let identity = Identity::self_signed(["localhost", "127.0.0.1"]).unwrap();
    let hash = certificate_hash(&identity);

    let engine_closes = Closes::default();
    let mut config = EngineConfig::default();
    config.transports.push(Transport::WebTransport);
    let engine = Engine::new(config, Echo(engine_closes.clone()));
    let (engine_http, engine_wt) = listen_both(
        || async { engine.listen("127.0.0.1:0").await.unwrap() },
        |addr, identity| engine.listen_webtransport(addr, identity),
        &identity,
    )
    .await;

    let socket_closes = Closes::default();
    let io = socketio(socket_closes.clone());
    let (io_http, io_wt) = listen_both(
        || async { io.listen("127.0.0.1:0").await.unwrap() },
        |addr, identity| io.listen_webtransport(addr, identity),
        &identity,
    )
    .await;

    common::run_node(
        "browser/webtransport.mjs",
        &[
            &format!("http://{}", engine_http.local_addr()),
            &format!("http://{}", io_http.local_addr()),
            &hash,
        ],
        Duration::from_secs(90),
    )
    .await;

    // The closes reached the servers: of the engine sessions, one closed by the server (`close me`)
    // and one by the client; of the sockets, two of each.
    let wait_for = |closes: Closes, expected: Vec<&'static str>| async move {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let mut seen = closes.lock().unwrap().clone();
            seen.sort();
            let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
            want.sort();
            if seen == want {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "closes seen {seen:?}, expected {want:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    wait_for(
        engine_closes,
        vec!["webtransport forced close", "webtransport transport close"],
    )
    .await;
    wait_for(
        socket_closes,
        vec![
            "webtransport client namespace disconnect",
            "webtransport client namespace disconnect",
            "webtransport server namespace disconnect",
            "webtransport server namespace disconnect",
        ],
    )
    .await;
    io.close().await;
    engine.close().await;
    for server in [engine_wt, io_wt] {
        server.shutdown().await;
    }
    engine_http.shutdown().await;
    io_http.shutdown().await;
}
