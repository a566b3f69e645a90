//! `sio serve`: the demo server. The chat of the chat example and the benchmark contract on `/`, an echo
//! namespace on `/echo`, in memory or in a Redis cluster, over WebTransport too if asked; stops cleanly
//! on Ctrl-C or SIGTERM.

mod admin;
mod chat;
mod cluster;
mod echo;
mod webtransport;

use crate::cli::ServeArgs;
use crate::failure::Failure;
use sio_server::engine::{CorsConfig, CorsOrigin};
use sio_server::{Server, ServerConfig};
use std::net::SocketAddr;
use std::time::Duration;

/// How long connections get to close after a shutdown signal before the process ends anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Runs the server until a shutdown signal.
pub async fn run(args: ServeArgs) -> Result<(), Failure> {
    crate::init_logging("info");
    let mut config = ServerConfig::default();
    if let Some(dir) = &args.client_dir {
        config = config.client_dir(dir);
    }
    if !args.cors.is_empty() {
        let cors = cors(&args.cors);
        config = config.engine(|engine| engine.cors(Some(cors)));
    }
    let cluster = match &args.redis {
        Some(url) => {
            config = config.adapter(cluster::adapter(url, args.adapter).await?);
            format!(", in a cluster through {url} ({:?} adapter)", args.adapter).to_lowercase()
        }
        None => String::new(),
    };
    if args.webtransport {
        webtransport::enable(&mut config);
    }
    report_missing_bundle(&config);
    let io = Server::new(config);
    // The dashboard's listener first, so that it sees every socket.
    let admin = match args.admin {
        true => Some(admin::install(&io, &args)?),
        false => None,
    };
    chat::register(&io);
    sio_bench::contract::register(&io);
    echo::register(&io);

    let admin_note = match admin {
        Some(_) => "; admin dashboard at /admin-ui/, namespace /admin",
        None => "",
    };
    let listener = bind(&args.host, args.port).await?;
    let addr = listener.local_addr()?;
    println!(
        "sio serve: listening on http://{addr}/ (chat page at /, namespaces / and /echo{cluster}{admin_note})"
    );
    let webtransport = match args.webtransport {
        true => {
            let (server, about) = webtransport::listen(&io, addr, &args).await?;
            println!("sio serve: {about}");
            Some(server)
        }
        false => None,
    };
    let mut router = chat::router(&io);
    if let Some((_instrumentation, ui)) = &admin {
        router = admin::route(router, ui.clone());
    }
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    let (stopping_tx, stopping) = tokio::sync::oneshot::channel();
    let close = io.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        eprintln!("sio serve: shutting down");
        let _ = stopping_tx.send(());
        close.close().await;
    });
    tokio::select! {
        served = server => served?,
        _ = async {
            let _ = stopping.await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => eprintln!("sio serve: connections still open after {SHUTDOWN_GRACE:?}; stopping anyway"),
    }
    if let Some(server) = webtransport {
        server.shutdown().await;
    }
    Ok(())
}

/// `--cors`: `*` for any origin, otherwise the listed origins.
fn cors(origins: &[String]) -> CorsConfig {
    let origin = if origins.iter().any(|o| o == "*") {
        CorsOrigin::Any
    } else {
        CorsOrigin::List(origins.to_vec())
    };
    CorsConfig {
        origin,
        ..CorsConfig::default()
    }
}

/// Says on stderr, before anything else, that the chat page will not work without the client bundle.
fn report_missing_bundle(config: &ServerConfig) {
    let file = config.client_dir.join("socket.io.min.js");
    if config.serve_client && !file.is_file() {
        eprintln!(
            "sio serve: the Socket.IO client bundle is missing ({} not found), so the chat page cannot \
             load /socket.io/socket.io.min.js; install it with `npm ci` in tests/js of the repository \
             (scripts/run does), or pass --client-dir with the dist/ directory of an installed npm \
             socket.io-client. Socket.IO clients connect either way.",
            file.display()
        );
    }
}

/// Listens on `host:port`; the error names the address and what to do when it is taken.
async fn bind(host: &str, port: u16) -> Result<tokio::net::TcpListener, Failure> {
    tokio::net::TcpListener::bind((host, port))
        .await
        .map_err(|e| {
            let hint = match e.kind() {
                std::io::ErrorKind::AddrInUse => {
                    "; another program listens there: stop it, or pick another --port"
                }
                _ => "",
            };
            Failure::failed(format!("cannot listen on {host}:{port}: {e}{hint}"))
        })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            },
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}
