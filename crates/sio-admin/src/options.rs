//! The options of [`instrument`](crate::instrument), named after the official `instrument(io, opts)` ones.

use crate::store::{InMemoryStore, SessionStore};
use std::sync::Arc;
use std::time::Duration;

/// How the dashboard authenticates (`auth` of the official options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No authentication (`auth: false`): anyone who reaches the admin namespace sees and acts.
    Disabled,
    /// Basic authentication (`{ type: "basic", username, password }`): the dashboard sends the username and
    /// the password, checked against a bcrypt hash (`$2a$`, `$2b$` or `$2y$`).
    Basic {
        /// The expected username.
        username: String,
        /// The bcrypt hash of the password.
        password_hash: String,
    },
}

/// What the instrumentation sends (`mode` of the official options).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Every socket, room change and event, as it happens (`development`, the default).
    #[default]
    Development,
    /// Only the server statistics with aggregated event counts (`production`), for performance.
    Production,
}

/// The options of [`instrument`](crate::instrument).
#[derive(Clone)]
pub struct AdminOptions {
    /// The authentication (no default in the official package: it must be chosen).
    pub auth: Auth,
    /// The admin namespace (`namespaceName`, default `/admin`).
    pub namespace_name: String,
    /// Whether the dashboard may only look (`readonly`, default `false`): no emit, join, leave or disconnect.
    pub readonly: bool,
    /// The id of this server in the dashboard (`serverId`, default the host name).
    pub server_id: Option<String>,
    /// What is sent (`mode`, default development).
    pub mode: Mode,
    /// Where the sessions of authenticated dashboards are kept (`store`, default in memory).
    pub store: Arc<dyn SessionStore>,
    /// How often `server_stats` is sent (2 s in the official package).
    pub stats_interval: Duration,
}

impl AdminOptions {
    /// The default options with this authentication.
    pub fn new(auth: Auth) -> Self {
        AdminOptions {
            auth,
            namespace_name: "/admin".to_owned(),
            readonly: false,
            server_id: None,
            mode: Mode::Development,
            store: Arc::new(InMemoryStore::default()),
            stats_interval: Duration::from_secs(2),
        }
    }

    /// Sets the admin namespace.
    pub fn namespace_name(mut self, name: impl Into<String>) -> Self {
        self.namespace_name = name.into();
        self
    }

    /// Sets read-only mode.
    pub fn readonly(mut self, readonly: bool) -> Self {
        self.readonly = readonly;
        self
    }

    /// Sets the server id.
    pub fn server_id(mut self, id: impl Into<String>) -> Self {
        self.server_id = Some(id.into());
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the session store.
    pub fn store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = store;
        self
    }

    /// Sets the interval of `server_stats`.
    pub fn stats_interval(mut self, interval: Duration) -> Self {
        self.stats_interval = interval;
        self
    }
}

impl std::fmt::Debug for AdminOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminOptions")
            .field("auth", &self.auth)
            .field("namespace_name", &self.namespace_name)
            .field("readonly", &self.readonly)
            .field("server_id", &self.server_id)
            .field("mode", &self.mode)
            .field("stats_interval", &self.stats_interval)
            .finish_non_exhaustive()
    }
}
