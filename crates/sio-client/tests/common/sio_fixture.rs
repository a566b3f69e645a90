//! The sio twin of `tests/js/client/server.js`: the same namespaces, middlewares and handlers on our own
//! server (sio-server), run in a child process (this test binary started again on
//! [`super::sio_fixture_server`]) so the harness can kill, restart and freeze it like the Node one.

use serde_json::json;
use sio_protocol::engine::Frame;
use sio_server::engine::{CloseReason, Transport};
use sio_server::{
    AckSender, ConnectionStateRecovery, MiddlewareError, Namespace, Server, ServerConfig, Socket,
    Value,
};
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Shared {
    reasons: Mutex<HashMap<String, String>>,
    flaky: Mutex<HashMap<String, u64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn config(cfg: &serde_json::Value) -> ServerConfig {
    let ms = |key: &str, default: u64| {
        Duration::from_millis(cfg.get(key).and_then(|v| v.as_u64()).unwrap_or(default))
    };
    let mut config = ServerConfig::default()
        .ping_interval(ms("pingInterval", 25_000))
        .ping_timeout(ms("pingTimeout", 20_000))
        .max_http_buffer_size(
            cfg.get("maxHttpBufferSize")
                .and_then(|v| v.as_u64())
                .unwrap_or(1_000_000) as usize,
        );
    if let Some(list) = cfg.get("transports").and_then(|v| v.as_array()) {
        let transports = list
            .iter()
            .filter_map(|t| match t.as_str() {
                Some("polling") => Some(Transport::Polling),
                Some("websocket") => Some(Transport::Websocket),
                _ => None,
            })
            .collect();
        config = config.engine(|e| e.transports(transports));
    }
    if let Some(path) = cfg.get("path").and_then(|v| v.as_str()) {
        config = config.path(path);
    }
    if cfg.get("allowUpgrades") == Some(&json!(false)) {
        config = config.engine(|e| e.allow_upgrades(false));
    }
    if cfg.get("msgpack") == Some(&json!(true)) {
        config = config.parser(sio_server::parser::msgpack_parser());
    }
    if cfg.get("recovery") == Some(&json!(true)) {
        config = config.connection_state_recovery(
            ConnectionStateRecovery::default()
                .max_disconnection_duration(Duration::from_millis(60_000))
                .skip_middlewares(true),
        );
    }
    config
}

fn common(nsp: &Namespace, shared: Arc<Shared>) {
    nsp.on_connection(move |socket: Socket| {
        let shared = shared.clone();
        async move { handlers(socket, shared) }
    });
}

fn handlers(socket: Socket, shared: Arc<Shared>) {
    let _ = socket.emit("welcome", &(socket.nsp().name(), socket.id()));
    let s = shared.clone();
    socket.on_disconnect(move |socket: Socket, reason| {
        let s = s.clone();
        async move {
            lock(&s.reasons).insert(socket.id().to_owned(), reason.to_string());
        }
    });
    let s = shared.clone();
    socket.on("reason-of", move |_: Socket, id: String, ack: AckSender| {
        let reason = lock(&s.reasons).get(&id).cloned();
        async move {
            let _ = ack.send(&reason);
        }
    });
    socket.on(
        "echo",
        |socket: Socket, args: Vec<Value>, ack: AckSender| async move {
            if ack.is_requested() {
                let _ = ack.send_args(args);
            } else {
                let _ = socket.emit_args("echo", args);
            }
        },
    );
    socket.on("info", |socket: Socket, _: (), ack: AckSender| async move {
        let hs = socket.handshake();
        let _ = ack.send(&json!({
            "nsp": socket.nsp().name(),
            "auth": hs.auth(),
            "query": hs.query(),
            "header": hs.header("x-test"),
            "transport": socket.conn().transport().as_str(),
            "recovered": socket.recovered(),
        }));
    });
    let s = shared.clone();
    socket.on(
        "flaky",
        move |socket: Socket, (key, drops): (String, u64), ack: AckSender| {
            let seen = {
                let mut flaky = lock(&s.flaky);
                let seen = flaky.entry(key.clone()).or_insert(0);
                *seen += 1;
                *seen
            };
            async move {
                let _ = socket.emit("flaky-seen", &(&key, seen));
                if seen > drops {
                    let _ = ack.send(&format!("ok:{key}:{seen}"));
                }
            }
        },
    );
    let s = shared.clone();
    socket.on("count", move |_: Socket, _: (), ack: AckSender| {
        let n = lock(&s.flaky).len();
        async move {
            let _ = ack.send(&n);
        }
    });
    socket.on("ask-me", |socket: Socket, payload: Value| async move {
        let answer = socket
            .timeout(Duration::from_secs(5))
            .emit_args_with_ack("question", vec![payload])
            .await;
        let _ = match answer {
            Ok(mut args) => {
                let first = if args.is_empty() {
                    Value::Null
                } else {
                    args.swap_remove(0)
                };
                socket.emit_args("answer", vec![first])
            }
            Err(_) => socket.emit("answer", "timeout"),
        };
    });
    socket.on("disconnect-me", |socket: Socket, _: ()| async move {
        socket.disconnect(false);
    });
    socket.on("close-engine", |socket: Socket, _: ()| async move {
        socket.conn().close(CloseReason::ForcedClose);
    });
    socket.on("send-garbage", |socket: Socket, _: ()| async move {
        let _ = socket
            .conn()
            .send(&[Frame::message("9not a socket.io packet")]);
        let _ = socket.emit("after-garbage", &());
    });
    socket.on("message", |socket: Socket, args: Vec<Value>| async move {
        let _ = socket.emit_args("message-back", args);
    });
    socket.on("drop-and-miss", |socket: Socket, _: ()| async move {
        socket.conn().close(CloseReason::ForcedClose);
        let nsp = socket.nsp().clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = nsp.emit("missed", "while away").await;
        });
    });
    socket.on("big", |_: Socket, n: Value, ack: AckSender| async move {
        let _ = ack.send_args(vec![n]);
    });
    socket.on("emit-many", |socket: Socket, n: u64| async move {
        for i in 0..n {
            let _ = socket.emit("many", &i);
        }
    });
}

fn build(config: ServerConfig) -> Server {
    let io = Server::new(config);
    let shared = Arc::new(Shared::default());
    common(&io.of("/"), shared.clone());
    common(&io.of("/admin"), shared.clone());
    let private = io.of("/private");
    private.use_middleware(|socket: Socket| async move {
        if socket
            .handshake()
            .auth()
            .get("token")
            .and_then(Value::as_str)
            == Some("secret")
        {
            return Ok(());
        }
        Err(MiddlewareError::new("not authorized")
            .with_data(Value::from(json!({ "reason": "no token" }))))
    });
    common(&private, shared.clone());
    // an event reaches the client before the CONNECT reply: it must wait in the receive buffer
    let early = io.of("/early");
    early.use_middleware(|socket: Socket| async move {
        let _ = socket
            .conn()
            .send(&[Frame::message("2/early,[\"early\",1]")]);
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(())
    });
    common(&early, shared);
    io
}

/// Runs the fixture server for the JSON configuration `cfg` until stdin closes.
pub fn run(cfg: &str) {
    let cfg: serde_json::Value = serde_json::from_str(cfg).expect("fixture configuration is JSON");
    let port = cfg.get("port").and_then(|v| v.as_u64()).unwrap_or(0) as u16;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let io = build(config(&cfg));
        let _server;
        match cfg.get("tls") {
            Some(tls) => {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                    .await
                    .expect("bind");
                println!("PORT {}", listener.local_addr().expect("address").port());
                tokio::spawn(serve_tls(io.clone(), listener, tls_acceptor(tls)));
            }
            None => {
                let server = io.listen(("127.0.0.1", port)).await.expect("bind");
                println!("PORT {}", server.local_addr().port());
                _server = server;
            }
        }
        // like server.js: exit when the harness closes our stdin (or dies)
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .ok();
        std::process::exit(0);
    });
}

fn tls_acceptor(tls: &serde_json::Value) -> tokio_rustls::TlsAcceptor {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let path = |key: &str| {
        tls.get(key)
            .and_then(|v| v.as_str())
            .expect("tls paths")
            .to_owned()
    };
    let certs = CertificateDer::pem_file_iter(path("cert"))
        .expect("certificate file")
        .collect::<Result<Vec<_>, _>>()
        .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(path("key")).expect("private key");
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("certificate and key");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// Serves the server over TLS (HTTP/1.1 with upgrades), as server.js does with `https.createServer`.
async fn serve_tls(
    io: Server,
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        let service = hyper_util::service::TowerToHyperService::new(io.service());
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(stream).await else {
                return;
            };
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}
