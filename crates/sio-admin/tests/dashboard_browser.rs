//! The official dashboard in a real browser (Debian `chromium` driven by npm `playwright-core`,
//! `tests/js/browser/admin.mjs`): its files served by sio ([`AdminUi`]) on the server's own origin, it logs in
//! with basic auth, lists the sockets of the sio server with their rooms, shows an event as it arrives, and
//! disconnects a socket. Screenshots are kept in `target/tmp/browser/`.

mod common;

use axum::extract::{ConnectInfo, Request};
use axum::response::IntoResponse;
use sio_admin::AdminUi;
use sio_server::engine::RemoteAddr;
use std::net::SocketAddr;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_dashboard_watches_and_disconnects_sio_sockets() {
    let (io, admin, server, _) = common::instrumented(false).await;
    let ui = AdminUi::from_node_modules(common::js_dir().join("node_modules"), "/admin-ui");
    let app = axum::Router::new()
        .fallback(move |request: Request| {
            let ui = ui.clone();
            async move {
                match ui.serve(request.uri().path()).await {
                    Some(response) => response.into_response(),
                    None => http::StatusCode::NOT_FOUND.into_response(),
                }
            }
        })
        .layer(io.layer())
        .layer(axum::middleware::map_request(
            |ConnectInfo(peer): ConnectInfo<SocketAddr>, mut req: Request| async move {
                req.extensions_mut().insert(RemoteAddr(peer));
                req
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let dashboard = format!("{url}/admin-ui/");
    let stdout = common::run_node(
        "browser/admin.mjs",
        &[&url, &dashboard, shots.to_str().unwrap()],
        Duration::from_secs(90),
    )
    .await;
    assert!(stdout.contains("dashboard ok"), "{stdout}");
    println!("screenshots in {}", shots.display());
    for path in [
        "admin-sockets.png",
        "admin-rooms.png",
        "admin-events.png",
        "admin-socket-disconnected.png",
    ] {
        let len = std::fs::metadata(shots.join(path)).map_or(0, |m| m.len());
        assert!(len > 1000, "{path}: no screenshot");
    }
    admin.stop();
    io.close().await;
    server.shutdown().await;
    task.abort();
}
