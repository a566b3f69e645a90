//! sio-admin: the server side of the official Socket.IO admin dashboard (`@socket.io/admin-ui`,
//! <https://admin.socket.io>) for sio servers.
//!
//! [`instrument`] does what the official `instrument(io, opts)` does: it opens the admin namespace
//! (`/admin`) with its authentication, and sends the dashboards `config`, `server_stats` every interval,
//! and in development mode `all_sockets`, `socket_connected`, `socket_updated`, `socket_disconnected`,
//! `room_joined`, `room_left`, `event_received` and `event_sent`. Unless read-only, the dashboards may
//! `emit`, `join`, `leave` and `_disconnect`. Everything goes through the namespaces' adapters, so that a
//! dashboard connected to one server of a cluster sees and acts on every server.
//!
//! ```no_run
//! use sio_admin::{instrument, AdminOptions, Auth};
//! use sio_server::{Server, ServerConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let io = Server::new(ServerConfig::default());
//! let hash = "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS"; // bcrypt("changeit")
//! let admin = instrument(&io, AdminOptions::new(Auth::Basic {
//!     username: "admin".into(),
//!     password_hash: hash.into(),
//! }))?;
//! let server = io.listen("127.0.0.1:3000").await?;
//! // ... later
//! admin.stop();
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod actions;
mod auth;
mod emitter;
mod event_buffer;
mod options;
mod serialize;
mod stats;
mod store;
mod ui;
mod verbose;

pub use options::{AdminOptions, Auth, Mode};
pub use store::{InMemoryStore, SessionStore};
pub use ui::AdminUi;

use emitter::AdminEmitter;
use sio_protocol::value::Map;
use sio_server::{Server, Socket, Value};
use std::sync::Arc;
use std::time::Instant;

/// Why [`instrument`] refused its options.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdminError {
    /// The `password_hash` of [`Auth::Basic`] is not a bcrypt hash.
    #[error("the password hash must be a valid bcrypt hash")]
    InvalidPasswordHash,
    /// `instrument` was called outside a tokio runtime.
    #[error("instrument must be called within a tokio runtime")]
    NoRuntime,
}

/// The running instrumentation. Its tasks run until [`Instrumentation::stop`] (or the runtime's end);
/// dropping the handle does not stop them.
#[derive(Debug)]
pub struct Instrumentation {
    stats: tokio::task::AbortHandle,
}

impl Instrumentation {
    /// Stops sending `server_stats` (the admin namespace and its listeners stay).
    pub fn stop(&self) {
        self.stats.abort();
    }
}

/// Instruments `io` for the admin dashboard (the official `instrument(io, opts)`).
///
/// Call it before registering your own connection handlers: the namespaces' connection listeners run in
/// order, and the dashboard learns of a socket when its listener runs.
pub fn instrument(io: &Server, options: AdminOptions) -> Result<Instrumentation, AdminError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(AdminError::NoRuntime);
    }
    if let Auth::Basic { password_hash, .. } = &options.auth {
        auth::check_hash(password_hash)?;
    }
    let admin = io.of(&options.namespace_name);
    let granted = Arc::new(auth::Granted::default());
    match options.auth.clone() {
        Auth::Disabled => tracing::warn!("admin dashboard authentication is disabled"),
        Auth::Basic {
            username,
            password_hash,
        } => auth::basic(
            &admin,
            username,
            password_hash,
            options.store.clone(),
            granted.clone(),
        ),
    }
    let development = options.mode == Mode::Development;
    let mut features: Vec<&str> = Vec::new();
    if !options.readonly {
        features.extend(actions::ACTION_FEATURES);
    }
    features.push("AGGREGATED_EVENTS");
    if development {
        features.push("ALL_EVENTS");
    }
    let config = {
        let mut map = Map::new();
        let list = features
            .iter()
            .map(|f| Value::String((*f).into()))
            .collect();
        map.insert("supportedFeatures".into(), Value::Array(list));
        Value::Object(map)
    };
    let server = io.clone();
    let readonly = options.readonly;
    admin.on_connection(move |socket: Socket| {
        let (io, config, granted) = (server.clone(), config.clone(), granted.clone());
        async move {
            granted.deliver(&socket);
            if !readonly {
                actions::register(&io, &socket);
            }
            let _ = socket.emit("config", &config);
            if development {
                let sockets = all_sockets(&io).await;
                let _ = socket.emit("all_sockets", &Value::Array(sockets));
            }
        }
    });
    let emitter = AdminEmitter::spawn(admin.clone());
    let buffer = stats::count_activity(io);
    if development {
        for nsp in io.namespaces() {
            verbose::observe(&nsp, &options.namespace_name, &emitter);
        }
        let (out, admin_name) = (emitter.clone(), options.namespace_name.clone());
        io.on_new_namespace(move |nsp| verbose::observe(&nsp, &admin_name, &out));
    }
    let hostname = hostname();
    let identity = stats::Identity {
        server_id: options
            .server_id
            .clone()
            .unwrap_or_else(|| hostname.clone()),
        hostname,
        started: Instant::now(),
    };
    let stats = stats::spawn(io, emitter, identity, buffer, options.stats_interval);
    Ok(Instrumentation { stats })
}

/// Every socket of every namespace, on every server (`fetchSockets` of each namespace).
async fn all_sockets(io: &Server) -> Vec<Value> {
    let mut all = Vec::new();
    for nsp in io.namespaces() {
        match nsp.fetch_sockets().await {
            Ok(sockets) => all.extend(sockets.iter().map(|s| serialize::remote(s, &nsp))),
            Err(error) => tracing::warn!(nsp = nsp.name(), %error, "admin: sockets not fetched"),
        }
    }
    all
}

/// This machine's host name (`os.hostname()`), the dashboard's default server name.
pub fn hostname() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
            return String::from_utf8_lossy(&buf[..end]).into_owned();
        }
    }
    std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_owned())
}
