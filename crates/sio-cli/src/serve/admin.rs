//! `sio serve --admin`: the official admin dashboard (`@socket.io/admin-ui`) through sio-admin: the
//! `/admin` namespace, and the dashboard's own files at `/admin-ui/` from the installed npm package.

use crate::cli::ServeArgs;
use crate::failure::Failure;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sio_admin::{instrument, AdminOptions, AdminUi, Auth, Instrumentation};
use sio_server::Server;
use std::path::PathBuf;

/// Where the dashboard's files are served.
pub const UI_PATH: &str = "/admin-ui";

/// Instruments `io` (before the other handlers, so the dashboard sees every socket) and returns what
/// serves the dashboard's files.
pub fn install(io: &Server, args: &ServeArgs) -> Result<(Instrumentation, AdminUi), Failure> {
    let auth = match (&args.admin_user, &args.admin_password_hash) {
        (Some(username), Some(hash)) => Auth::Basic {
            username: username.clone(),
            password_hash: hash.clone(),
        },
        _ => Auth::Disabled,
    };
    let mut options = AdminOptions::new(auth);
    if let Some(id) = server_id(args) {
        options = options.server_id(id);
    }
    let instrumentation =
        instrument(io, options).map_err(|e| Failure::failed(format!("--admin: {e}")))?;
    let node_modules = args
        .admin_ui_dir
        .clone()
        .unwrap_or_else(default_node_modules);
    let ui = AdminUi::from_node_modules(node_modules, UI_PATH);
    if !ui.dir().join("index.html").is_file() {
        eprintln!(
            "sio serve: the admin dashboard's files are missing ({} not found), so /admin-ui/ answers 404; \
             install them with `npm ci` in tests/js of the repository (scripts/run does), or pass \
             --admin-ui-dir with a node_modules directory holding @socket.io/admin-ui. \
             https://admin.socket.io works either way (with --cors https://admin.socket.io).",
            ui.dir().join("index.html").display()
        );
    }
    Ok((instrumentation, ui))
}

/// The server's name in the dashboard: the one given, or `HOST#PID` in a cluster, where several nodes may
/// run on one host (without a name of its own, the instrumentation uses the host name).
fn server_id(args: &ServeArgs) -> Option<String> {
    if let Some(id) = &args.admin_server_id {
        return Some(id.clone());
    }
    args.redis.as_ref()?;
    let host = sio_admin::hostname();
    Some(format!("{host}#{}", std::process::id()))
}

/// Adds the dashboard's files under [`UI_PATH`] to `router`.
pub fn route(router: axum::Router, ui: AdminUi) -> axum::Router {
    let files = get(move |request: Request| serve(ui.clone(), request));
    router
        .route(UI_PATH, files.clone())
        .route(&format!("{UI_PATH}/"), files.clone())
        .route(&format!("{UI_PATH}/{{*file}}"), files)
}

/// One file under [`UI_PATH`].
async fn serve(ui: AdminUi, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    match ui.serve(&path).await {
        Some(answer) => answer.map(Body::new).into_response(),
        None => http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// `tests/js/node_modules` of this repository, where `scripts/run` installs the npm packages.
fn default_node_modules() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/js/node_modules"
    ))
}
