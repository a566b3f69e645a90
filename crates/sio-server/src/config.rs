//! Server options, with the official defaults.

use crate::adapter::{AdapterFactory, InMemoryAdapterFactory};
use crate::engine::EngineConfig;
use crate::recovery::ConnectionStateRecovery;
use sio_protocol::parser::Parser;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The options of a Socket.IO server.
#[derive(Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The Engine.IO options; `path` defaults to `/socket.io` here.
    pub engine: EngineConfig,
    /// How long a client may stay without joining a namespace before it is disconnected
    /// (`connectTimeout`, 45 s).
    pub connect_timeout: Duration,
    /// Whether a child namespace of a parent namespace is removed when its last socket leaves
    /// (`cleanupEmptyChildNamespaces`, false).
    pub cleanup_empty_child_namespaces: bool,
    /// The parser (`parser`: the default JSON parser, or the msgpack parser).
    pub parser: Arc<dyn Parser>,
    /// Creates each namespace's adapter (`adapter`: the in-memory adapter).
    pub adapter: Arc<dyn AdapterFactory>,
    /// How many received events may wait for their handlers per socket before the connection is closed
    /// (sio's own bound, 1024).
    pub max_pending_events: usize,
    /// Connection state recovery (`connectionStateRecovery`; off by default).
    pub connection_state_recovery: Option<ConnectionStateRecovery>,
    /// Whether `<path>/socket.io.js`, `.min.js`, `.esm.min.js`, `.msgpack.min.js` and their maps are served
    /// (`serveClient`, true), from [`client_dir`](Self::client_dir).
    pub serve_client: bool,
    /// The `dist/` directory of an installed npm `socket.io-client` whose files are served (sio ships none):
    /// by default `tests/js/node_modules/socket.io-client/dist` of this repository, where `scripts/run`
    /// installs the pinned version.
    pub client_dir: PathBuf,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            engine: EngineConfig::default().path("/socket.io"),
            connect_timeout: Duration::from_millis(45_000),
            cleanup_empty_child_namespaces: false,
            parser: crate::parser::default_parser(),
            adapter: Arc::new(InMemoryAdapterFactory),
            max_pending_events: 1024,
            connection_state_recovery: None,
            serve_client: true,
            client_dir: crate::client_bundle::default_dir(),
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("engine", &self.engine)
            .field("connect_timeout", &self.connect_timeout)
            .field(
                "cleanup_empty_child_namespaces",
                &self.cleanup_empty_child_namespaces,
            )
            .field("max_pending_events", &self.max_pending_events)
            .field("connection_state_recovery", &self.connection_state_recovery)
            .field("serve_client", &self.serve_client)
            .field("client_dir", &self.client_dir)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// Sets the path (`/socket.io`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        let path: String = path.into();
        self.engine = self.engine.path(path.trim_end_matches('/').to_owned());
        self
    }

    /// Sets `pingInterval` (25 s).
    pub fn ping_interval(mut self, d: Duration) -> Self {
        self.engine = self.engine.ping_interval(d);
        self
    }

    /// Sets `pingTimeout` (20 s).
    pub fn ping_timeout(mut self, d: Duration) -> Self {
        self.engine = self.engine.ping_timeout(d);
        self
    }

    /// Sets `maxHttpBufferSize` (1e6 bytes).
    pub fn max_http_buffer_size(mut self, n: usize) -> Self {
        self.engine = self.engine.max_http_buffer_size(n);
        self
    }

    /// Sets `connectTimeout` (45 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets `cleanupEmptyChildNamespaces` (false).
    pub fn cleanup_empty_child_namespaces(mut self, v: bool) -> Self {
        self.cleanup_empty_child_namespaces = v;
        self
    }

    /// Sets the parser.
    pub fn parser(mut self, parser: Arc<dyn Parser>) -> Self {
        self.parser = parser;
        self
    }

    /// Sets the parser by kind (`ParserKind::MsgPack` for npm `socket.io-msgpack-parser`), with default limits.
    pub fn parser_kind(mut self, kind: sio_protocol::parser::ParserKind) -> Self {
        self.parser = kind.parser();
        self
    }

    /// Sets the adapter factory.
    pub fn adapter(mut self, adapter: Arc<dyn AdapterFactory>) -> Self {
        self.adapter = adapter;
        self
    }

    /// Sets the per-socket bound on events waiting for their handlers (1024).
    pub fn max_pending_events(mut self, n: usize) -> Self {
        self.max_pending_events = n;
        self
    }

    /// Turns connection state recovery on (`connectionStateRecovery`).
    pub fn connection_state_recovery(mut self, recovery: ConnectionStateRecovery) -> Self {
        self.connection_state_recovery = Some(recovery);
        self
    }

    /// Sets `serveClient` (true): whether the client bundle is served under the path.
    pub fn serve_client(mut self, v: bool) -> Self {
        self.serve_client = v;
        self
    }

    /// Sets the directory the client bundle is served from: the `dist/` directory of an installed npm
    /// `socket.io-client` (`node_modules/socket.io-client/dist`).
    pub fn client_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.client_dir = dir.into();
        self
    }

    /// Sets `allowEIO3` (false): whether Socket.IO 2.x clients are served (see
    /// [`EngineConfig::allow_eio3`]).
    pub fn allow_eio3(mut self, v: bool) -> Self {
        self.engine = self.engine.allow_eio3(v);
        self
    }

    /// Changes any other Engine.IO option.
    pub fn engine(mut self, f: impl FnOnce(EngineConfig) -> EngineConfig) -> Self {
        self.engine = f(self.engine);
        self
    }
}
