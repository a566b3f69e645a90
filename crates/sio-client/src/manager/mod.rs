//! The Manager: one Engine.IO connection shared by namespace sockets, with the reconnection logic.

mod actor;
mod cmd;
mod deadlines;
mod emit;
mod inbound;
mod link;
mod nsp;
mod settings;

use crate::error::{Cause, Error};
use inbound::Sockets;

pub(crate) use settings::Settings;

pub(crate) use cmd::{AckReply, Cmd, Emit, EmitFlags};

use crate::bounds::Bounds;
use crate::dispatch::SocketShared;
use crate::engine::{Engine, EngineConfig, EngineEvent};
use crate::events::{lock, Emitter, ListenerId};
use crate::inflow::Inflow;
use crate::mailbox::{mailbox, Sender};
use crate::options::{Auth, Options};
use crate::reason::DisconnectReason;
use crate::socket::Socket;
use crate::url::ParsedUrl;
use sio_protocol::parser::Parser;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// What a manager reports (`manager.on(...)`).
#[derive(Debug, Clone)]
pub enum ManagerEvent {
    /// `"open"`: the engine connection is open.
    Open,
    /// `"error"`: a connection attempt failed.
    Error(Error),
    /// `"ping"`: the server pinged.
    Ping,
    /// `"close"`: the engine connection closed.
    Close(DisconnectReason),
    /// `"reconnect_attempt"`: attempt number.
    ReconnectAttempt(u32),
    /// `"reconnect"`: reconnected after this many attempts.
    Reconnect(u32),
    /// `"reconnect_error"`: a reconnection attempt failed.
    ReconnectError(Error),
    /// `"reconnect_failed"`: gave up after `reconnection_attempts`.
    ReconnectFailed,
}

impl ManagerEvent {
    /// The official event name.
    pub fn name(&self) -> &'static str {
        match self {
            ManagerEvent::Open => "open",
            ManagerEvent::Error(_) => "error",
            ManagerEvent::Ping => "ping",
            ManagerEvent::Close(_) => "close",
            ManagerEvent::ReconnectAttempt(_) => "reconnect_attempt",
            ManagerEvent::Reconnect(_) => "reconnect",
            ManagerEvent::ReconnectError(_) => "reconnect_error",
            ManagerEvent::ReconnectFailed => "reconnect_failed",
        }
    }
}

/// State shared by the handles and the connection task.
pub(crate) struct Core {
    pub settings: Mutex<Settings>,
    pub emitter: Emitter<ManagerEvent>,
    pub engine_emitter: Emitter<EngineEvent>,
    pub engine: Mutex<Option<Engine>>,
    pub reconnecting: AtomicBool,
}

struct Inner {
    core: Arc<Core>,
    cmd: Sender<Cmd>,
    sockets: Sockets,
    parser: Arc<dyn Parser>,
    opts: Options,
    runtime: tokio::runtime::Handle,
}

/// A manager reference that does not keep it alive.
#[derive(Clone)]
pub(crate) struct WeakManager(std::sync::Weak<Inner>);

impl WeakManager {
    pub fn upgrade(&self) -> Option<Manager> {
        self.0.upgrade().map(|inner| Manager { inner })
    }
}

/// Manages one Engine.IO connection for any number of namespace sockets, and reconnects it.
///
/// The connection lives as long as a handle on the manager or one of its sockets does (or until every
/// socket disconnected).
///
/// ```no_run
/// # async fn run() -> Result<(), sio_client::Error> {
/// use sio_client::{Manager, Options};
///
/// let manager = Manager::new("http://localhost:3000", Options::default())?;
/// let socket = manager.socket("/", None);
/// let admin = manager.socket("/admin", None);
/// socket.connect().await?;
/// admin.connect().await?;
/// manager.on("reconnect", |e| println!("{e:?}"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Manager {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager").finish_non_exhaustive()
    }
}

impl Manager {
    /// Creates a manager for the server at `url` (its path is ignored: namespaces are chosen with
    /// [`Manager::socket`]). Must be called within a tokio runtime. Starts connecting when `auto_connect` is on.
    pub fn new(url: &str, opts: Options) -> Result<Manager, Error> {
        let parsed = ParsedUrl::parse(url)?;
        Manager::from_parsed(&parsed, opts)
    }

    pub(crate) fn from_parsed(parsed: &ParsedUrl, opts: Options) -> Result<Manager, Error> {
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|e| Error::NoRuntime(Cause::new(e)))?;
        #[cfg(feature = "tls")]
        let tls = opts.tls.client_config()?;
        let mut query = parsed.query.clone();
        query.extend(opts.query.iter().cloned());
        let cfg = EngineConfig {
            secure: parsed.secure,
            host: parsed.host.clone(),
            port: parsed.port,
            path: opts.engine_path(),
            query,
            transports: opts.transports.clone(),
            upgrade: opts.upgrade,
            remember_upgrade: opts.remember_upgrade,
            prior_websocket_success: Arc::new(AtomicBool::new(false)),
            headers: opts.extra_headers.clone(),
            http: Arc::default(),
            #[cfg(feature = "tls")]
            tls,
            timeout: opts.timeout,
            max_message_size: opts.bounds.max_message_size,
            per_message_deflate: opts.per_message_deflate.clone(),
            outgoing_bytes: opts.bounds.outgoing_bytes,
            inflow: Inflow::new(opts.bounds.incoming),
        };
        let core = Arc::new(Core {
            settings: Mutex::new(Settings {
                reconnection: opts.reconnection,
                attempts: opts.reconnection_attempts,
                delay: opts.reconnection_delay,
                delay_max: opts.reconnection_delay_max,
                factor: opts.randomization_factor,
                timeout: opts.timeout,
            }),
            emitter: Emitter::new(&runtime, opts.bounds.observer_backlog),
            engine_emitter: Emitter::new(&runtime, opts.bounds.observer_backlog),
            engine: Mutex::new(None),
            reconnecting: AtomicBool::new(false),
        });
        let (cmd_tx, cmd_rx) = mailbox();
        let parser = opts.parser.parser_with_limits(opts.bounds.decode);
        let sockets = Sockets::default();
        let mut actor = actor::Actor::new(
            cfg,
            core.clone(),
            parser.clone(),
            sockets.clone(),
            &opts,
            cmd_tx.downgrade(),
        );
        runtime.spawn(async move { actor.run(cmd_rx).await });
        let manager = Manager {
            inner: Arc::new(Inner {
                core,
                cmd: cmd_tx,
                sockets,
                parser,
                opts,
                runtime,
            }),
        };
        if manager.inner.opts.auto_connect {
            manager.open();
        }
        Ok(manager)
    }

    /// The socket for namespace `nsp` (created on first use, then the same one). `auth` replaces the
    /// `auth` option for this namespace when given. Connects it when `auto_connect` is on.
    pub fn socket(&self, nsp: &str, auth: Option<Auth>) -> Socket {
        let nsp = if nsp.starts_with('/') {
            nsp.to_owned()
        } else {
            format!("/{nsp}")
        };
        let mut sockets = lock(&self.inner.sockets);
        if let Some(shared) = sockets.get(&nsp) {
            let s = Socket::new(shared.clone(), self.clone());
            if let Some(auth) = auth {
                let _ = self.inner.cmd.send(Cmd::SetAuth {
                    nsp: nsp.clone(),
                    auth: Box::new(auth),
                });
            }
            if self.inner.opts.auto_connect && !s.active() {
                s.open();
            }
            return s;
        }
        let shared = SocketShared::new(
            nsp.clone(),
            &self.inner.runtime,
            self.bounds().running_handlers,
        );
        let _ = self.inner.cmd.send(Cmd::Register {
            shared: shared.clone(),
            auth: Box::new(auth.unwrap_or_else(|| self.inner.opts.auth.clone())),
        });
        let socket = Socket::new(shared.clone(), self.clone());
        sockets.insert(nsp, shared);
        drop(sockets);
        if self.inner.opts.auto_connect {
            socket.open();
        }
        socket
    }

    pub(crate) fn has_namespace(&self, nsp: &str) -> bool {
        lock(&self.inner.sockets).contains_key(nsp)
    }

    pub(crate) fn is_running(&self) -> bool {
        !self.inner.cmd.is_closed()
    }

    pub(crate) fn downgrade(&self) -> WeakManager {
        WeakManager(Arc::downgrade(&self.inner))
    }

    pub(crate) fn parser(&self) -> &dyn Parser {
        &*self.inner.parser
    }

    pub(crate) fn bounds(&self) -> &Bounds {
        &self.inner.opts.bounds
    }

    pub(crate) fn retries(&self) -> u32 {
        self.inner.opts.retries
    }

    pub(crate) fn send(&self, cmd: Cmd) -> Result<(), Error> {
        self.inner.cmd.send(cmd).map_err(|_| Error::Closed)
    }

    /// Starts connecting the engine (does nothing when open or opening).
    pub fn open(&self) {
        let _ = self.inner.cmd.send(Cmd::Open(None));
    }

    /// Connects the engine and waits for the outcome of this attempt.
    pub async fn connect(&self) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.send(Cmd::Open(Some(tx)))?;
        rx.await.map_err(|_| Error::Closed)?
    }

    /// The current engine connection, if open.
    pub fn engine(&self) -> Option<Engine> {
        lock(&self.inner.core.engine).clone()
    }

    /// Registers an observer of the engine events (`"packet"`, `"packetCreate"`, `"drain"`, `"upgrade"`,
    /// `"close"`...) that stays in place across reconnections.
    pub fn on_engine(
        &self,
        event: &str,
        f: impl Fn(EngineEvent) + Send + Sync + 'static,
    ) -> ListenerId {
        self.inner.core.engine_emitter.on(event, false, Arc::new(f))
    }

    /// Registers a listener for `"open"`, `"error"`, `"ping"`, `"close"`, `"reconnect_attempt"`,
    /// `"reconnect"`, `"reconnect_error"` or `"reconnect_failed"`.
    pub fn on(&self, event: &str, f: impl Fn(ManagerEvent) + Send + Sync + 'static) -> ListenerId {
        self.inner.core.emitter.on(event, false, Arc::new(f))
    }

    /// Like [`Manager::on`], removed after the first call.
    pub fn once(
        &self,
        event: &str,
        f: impl Fn(ManagerEvent) + Send + Sync + 'static,
    ) -> ListenerId {
        self.inner.core.emitter.on(event, true, Arc::new(f))
    }

    /// Removes one listener, all listeners of an event, or all.
    pub fn off(&self, event: Option<&str>, id: Option<ListenerId>) {
        self.inner.core.emitter.off(event, id)
    }

    /// The listeners of an event.
    pub fn listeners(&self, event: &str) -> Vec<ListenerId> {
        self.inner.core.emitter.listeners(event)
    }

    /// Whether a reconnection is scheduled or running.
    pub fn reconnecting(&self) -> bool {
        self.inner
            .core
            .reconnecting
            .load(std::sync::atomic::Ordering::Acquire)
    }
}
