//! The server (`io`): namespaces, the Engine.IO engine under them, and the shortcuts to the main namespace.

use crate::adapter::Room;
use crate::broadcast::{BroadcastOperator, RoomParam};
use crate::client::ClientSession;
use crate::client_bundle::ClientBundle;
use crate::config::ServerConfig;
use crate::engine::{
    CloseReason, Engine, EngineHandler, EngineLayer, EngineServer, EngineService, EngineSocket,
};
use crate::errors::{AckError, AdapterError, EmitError};
use crate::extensions::Extensions;
use crate::handler::{ConnectMiddleware, ConnectionHandler};
use crate::namespace::Namespace;
use crate::observe::{EngineActivity, Observers};
use crate::parent_namespace::ParentNamespace;
use crate::reason::DisconnectReason;
use crate::registry::Namespaces;
use crate::remote_socket::RemoteSocket;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sio_protocol::engine::Packet as EnginePacket;
use sio_protocol::Value;
use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::time::Instant;

/// A Socket.IO server (`io`). Cheap to clone; every clone is the same server.
///
/// ```no_run
/// use sio_server::{AckSender, Server, ServerConfig, Socket, Value};
///
/// # async fn run() -> std::io::Result<()> {
/// let io = Server::new(ServerConfig::default());
/// io.on_connection(|socket: Socket| async move {
///     socket.join("lobby");
///     socket.on("echo", |socket: Socket, args: Vec<Value>, ack: AckSender| async move {
///         let _ = ack.send_args(args.clone());
///         let _ = socket.emit_args("echo", args);
///     });
/// });
/// let server = io.listen("127.0.0.1:3000").await?;
/// io.to("lobby").emit("news", &("hello", 1)).await.ok();
/// server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Server(pub(crate) Arc<ServerInner>);

pub(crate) struct ServerInner {
    pub(crate) config: ServerConfig,
    namespaces: Arc<Namespaces>,
    /// The shared state handlers read as [`State`](crate::State).
    states: Arc<Extensions>,
    engine: Arc<Engine<SocketIoHandler>>,
}

/// The tower layer of a Socket.IO server ([`Server::layer`]): the Engine.IO engine's, driving this server.
pub type SocketIoLayer = EngineLayer<SocketIoHandler>;

/// The tower service of a Socket.IO server ([`Server::service`]).
pub type SocketIoService = EngineService<SocketIoHandler>;

/// The Engine.IO handler of a Socket.IO server: one Socket.IO client per session.
pub struct SocketIoHandler {
    server: Weak<ServerInner>,
    /// The client bundle, when `serve_client` is on.
    bundle: Option<ClientBundle>,
    activity: Observers<EngineActivity>,
    /// `connectTimeout`: the session's deadline to join a namespace.
    connect_timeout: Duration,
}

impl EngineHandler for SocketIoHandler {
    /// The session's client; `None` when the server was dropped before the session opened.
    type Session = Option<ClientSession>;

    fn on_open(&self, socket: &EngineSocket) -> Self::Session {
        let Some(server) = self.server.upgrade() else {
            socket.close(CloseReason::ServerShuttingDown);
            return None;
        };
        let session = ClientSession::open(socket.clone(), &server.namespaces, &server.config);
        self.activity.notify(&EngineActivity::Opened);
        Some(session)
    }

    fn on_message(
        &self,
        _socket: &EngineSocket,
        session: &mut Self::Session,
        message: EnginePacket,
    ) {
        let size = match &message {
            EnginePacket::Message(text) => text.len(),
            EnginePacket::Binary(bytes) => bytes.len(),
            _ => 0,
        };
        crate::metrics::message_received(size);
        if self.activity.listened() {
            self.activity.notify(&EngineActivity::MessageReceived(size));
        }
        if let Some(session) = session {
            session.on_message(message);
        }
    }

    fn deadline(&self, session: &Self::Session) -> Option<Instant> {
        session.as_ref()?;
        Some(Instant::now() + self.connect_timeout)
    }

    fn on_deadline(&self, _socket: &EngineSocket, session: &mut Self::Session) {
        if let Some(session) = session {
            session.client().connect_timed_out();
        }
    }

    fn on_upgrade(&self, _socket: &EngineSocket, session: &mut Self::Session) {
        if let Some(session) = session {
            session.client().on_upgrade();
        }
    }

    fn on_close(&self, _socket: &EngineSocket, session: Self::Session, reason: CloseReason) {
        if let Some(session) = session {
            session.client().on_close(DisconnectReason::from(reason));
        }
        self.activity.notify(&EngineActivity::Closed(reason));
    }

    fn serve_file(
        &self,
        path: &str,
        headers: &http::HeaderMap,
    ) -> Option<http::Response<crate::engine::EngineBody>> {
        self.bundle.as_ref()?.serve(path, headers)
    }
}

impl Default for Server {
    fn default() -> Self {
        Server::new(ServerConfig::default())
    }
}

impl Server {
    /// A server with these options; the main namespace `/` exists from the start. Call it inside a tokio
    /// runtime.
    pub fn new(config: ServerConfig) -> Server {
        let inner = Arc::new_cyclic(|weak: &Weak<ServerInner>| {
            let handler = SocketIoHandler {
                server: weak.clone(),
                bundle: config
                    .serve_client
                    .then(|| ClientBundle::new(&config.engine.path, config.client_dir.clone())),
                activity: Observers::default(),
                connect_timeout: config.connect_timeout,
            };
            let states = Arc::new(Extensions::default());
            ServerInner {
                namespaces: Namespaces::new(&config, states.clone()),
                states,
                engine: Engine::new(config.engine.clone(), handler),
                config,
            }
        });
        let server = Server(inner);
        server.of("/");
        server
    }

    /// Gives handlers a shared state of type `S`, which any connection handler, connect middleware or
    /// event handler takes as a [`State<S>`](crate::State) parameter (one value per type; a second one of
    /// the same type replaces the first).
    ///
    /// ```
    /// use sio_server::{Server, ServerConfig, Socket, State};
    ///
    /// #[derive(Clone)]
    /// struct Config {
    ///     motd: &'static str,
    /// }
    ///
    /// let io = Server::new(ServerConfig::default()).with_state(Config { motd: "hello" });
    /// io.on_connection(|socket: Socket, State(config): State<Config>| async move {
    ///     let _ = socket.emit("motd", &config.motd);
    /// });
    /// assert_eq!(io.state::<Config>().map(|c| c.motd), Some("hello"));
    /// ```
    pub fn with_state<S: Clone + Send + Sync + 'static>(self, state: S) -> Server {
        self.0.states.insert(state);
        self
    }

    /// A clone of the shared state of type `S`, if the server has one.
    pub fn state<S: Clone + Send + Sync + 'static>(&self) -> Option<S> {
        self.0.states.get()
    }

    /// Serves the server on its own HTTP server (`io.listen(3000)`); requests outside the path get 404.
    pub async fn listen(
        &self,
        addr: impl tokio::net::ToSocketAddrs,
    ) -> std::io::Result<EngineServer> {
        self.0.engine.listen(addr).await
    }

    /// Serves the server over WebTransport too, on a UDP `addr` with the TLS `identity` (`webtransport`
    /// feature); the engine's transports must list
    /// [`Transport::WebTransport`](crate::engine::Transport::WebTransport). See
    /// [`Engine::listen_webtransport`].
    #[cfg(feature = "webtransport")]
    pub async fn listen_webtransport(
        &self,
        addr: std::net::SocketAddr,
        identity: crate::engine::Identity,
    ) -> std::io::Result<crate::engine::WebTransportServer> {
        self.0.engine.listen_webtransport(addr, identity).await
    }

    /// A tower layer serving the Socket.IO path and forwarding other requests to the inner service (axum,
    /// hyper). For `handshake().address()`, the app must put the peer address in the request as
    /// [`RemoteAddr`](crate::engine::RemoteAddr) (see there for the axum one-liner).
    pub fn layer(&self) -> SocketIoLayer {
        EngineLayer::new(self.0.engine.clone())
    }

    /// A tower service serving the Socket.IO path (404 elsewhere).
    pub fn service(&self) -> SocketIoService {
        EngineService::new(self.0.engine.clone())
    }

    /// The options.
    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    /// The Engine.IO engine (to serve requests through hyper or tower yourself).
    pub fn engine(&self) -> &Arc<Engine<SocketIoHandler>> {
        &self.0.engine
    }

    /// The namespace `name` (a leading `/` is added when missing), created on first use.
    pub fn of(&self, name: &str) -> Namespace {
        let name = if name.starts_with('/') {
            name.to_owned()
        } else {
            format!("/{name}")
        };
        self.0.namespaces.of(name)
    }

    /// How many Engine.IO sessions are open (`io.engine.clientsCount`).
    pub fn clients_count(&self) -> usize {
        self.0.engine.sessions()
    }

    /// How many of the open sessions are on HTTP long-polling (not upgraded to websocket).
    pub fn polling_clients_count(&self) -> usize {
        self.0.engine.sessions_on(crate::engine::Transport::Polling)
    }

    /// Registers an observer of the Engine.IO sessions: openings, messages received (with their size) and
    /// closings (the official engine's `connection`, `packet` and `close` events). It runs on the session's
    /// task and must not block; with no observer, nothing is measured.
    pub fn on_engine_activity<F>(&self, f: F)
    where
        F: Fn(&EngineActivity) + Send + Sync + 'static,
    {
        self.0.engine.handler().activity.add(Arc::new(f));
    }

    /// Registers a listener called when a namespace is created (`io.on("new_namespace")`): by
    /// [`Server::of`], or as a child of a parent namespace.
    pub fn on_new_namespace<F>(&self, f: F)
    where
        F: Fn(Namespace) + Send + Sync + 'static,
    {
        self.0.namespaces.on_created(Arc::new(f));
    }

    /// A parent namespace: namespaces whose name `matches(name, auth)` accepts are created on demand as its
    /// children (use any pattern matching you like in the predicate).
    pub fn of_dynamic<F>(&self, matches: F) -> ParentNamespace
    where
        F: Fn(&str, &Value) -> bool + Send + Sync + 'static,
    {
        let parent = ParentNamespace::new(Box::new(matches));
        self.0.namespaces.add_parent(parent.clone());
        parent
    }

    /// The main namespace `/` (`io.sockets`).
    pub fn sockets(&self) -> Namespace {
        self.of("/")
    }

    /// The namespaces that exist now.
    pub fn namespaces(&self) -> Vec<Namespace> {
        self.0.namespaces.all()
    }

    /// Registers a connection handler on the main namespace (`io.on("connection")`).
    pub fn on_connection<M>(&self, f: impl ConnectionHandler<M>) {
        self.sockets().on_connection(f)
    }

    /// Adds a connect middleware to the main namespace (`io.use`).
    pub fn use_middleware<M>(&self, f: impl ConnectMiddleware<M>) {
        self.sockets().use_middleware(f)
    }

    /// A broadcast to the room(s) of the main namespace.
    pub fn to(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.sockets().to(rooms)
    }

    /// Same as [`Server::to`].
    pub fn in_(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.to(rooms)
    }

    /// A broadcast to the main namespace except the room(s).
    pub fn except(&self, rooms: impl RoomParam) -> BroadcastOperator {
        self.sockets().except(rooms)
    }

    /// A broadcast to the sockets of this server only.
    pub fn local(&self) -> BroadcastOperator {
        self.sockets().local()
    }

    /// A volatile broadcast.
    pub fn volatile(&self) -> BroadcastOperator {
        self.sockets().volatile()
    }

    /// A broadcast with the compress flag.
    pub fn compress(&self, compress: bool) -> BroadcastOperator {
        self.sockets().compress(compress)
    }

    /// A broadcast whose acknowledgements time out after `timeout`.
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperator {
        self.sockets().timeout(timeout)
    }

    /// Emits to every socket of the main namespace.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        self.sockets().emit(event, args).await
    }

    /// Emits to every socket of the main namespace and collects their acknowledgements.
    pub async fn emit_with_ack<T, R>(&self, event: &str, args: &T) -> Result<Vec<R>, AckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + 'static,
    {
        self.sockets().emit_with_ack(event, args).await
    }

    /// Every socket of the main namespace.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        self.sockets().fetch_sockets().await
    }

    /// Makes every socket of the main namespace join the room(s).
    pub async fn sockets_join(&self, rooms: impl RoomParam) -> Result<(), AdapterError> {
        self.sockets().sockets_join(rooms).await
    }

    /// Makes every socket of the main namespace leave the room(s).
    pub async fn sockets_leave(&self, rooms: impl RoomParam) -> Result<(), AdapterError> {
        self.sockets().sockets_leave(rooms).await
    }

    /// Disconnects every socket of the main namespace.
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        self.sockets().disconnect_sockets(close).await
    }

    /// Emits to the other servers of the cluster (main namespace).
    pub async fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        self.sockets().server_side_emit(event, args).await
    }

    /// Emits to the other servers and waits for one answer per server.
    pub async fn server_side_emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
        timeout: Duration,
    ) -> Result<Vec<Value>, AckError> {
        self.sockets()
            .server_side_emit_with_ack(event, args, timeout)
            .await
    }

    /// Registers a listener for server-side events of the main namespace (`io.on("hello")` on the receiving
    /// server of a `server_side_emit`).
    pub fn on_server_event<F, Fut>(&self, event: impl Into<String>, f: F)
    where
        F: Fn(Vec<Value>, Option<crate::adapter::ServerSideAck>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.sockets().on_server_event(event, f)
    }

    /// The rooms of a local socket of the main namespace.
    pub fn socket_rooms(&self, id: &str) -> Vec<Room> {
        self.sockets().socket_rooms(id)
    }

    /// Closes the server: every socket disconnects with `server shutting down`, every adapter closes, then
    /// every Engine.IO session.
    pub async fn close(&self) {
        for nsp in self.namespaces() {
            nsp.close_all(DisconnectReason::ServerShuttingDown);
            if let Err(e) = nsp.adapter().close().await {
                tracing::warn!(nsp = nsp.name(), error = %e, "adapter close failed");
            }
        }
        self.0.engine.close().await;
    }

    /// Waits for `signal`, then [`close`](Server::close)s the server: the future to give a web framework's
    /// graceful shutdown, so that sio closes first.
    ///
    /// A graceful shutdown waits for the requests in flight, and a long-polling GET stays in flight until
    /// the server has something to send (up to `pingInterval`, 25 s by default): shutting the framework down
    /// first and closing sio after waits that long; closing sio first answers every waiting GET at once.
    ///
    /// ```no_run
    /// # async fn run(io: sio_server::Server, app: axum::Router) -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// axum::serve(listener, app.layer(io.layer()))
    ///     .with_graceful_shutdown(io.close_on(async {
    ///         let _ = tokio::signal::ctrl_c().await;
    ///     }))
    ///     .await
    /// # }
    /// ```
    pub fn close_on(
        &self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> impl Future<Output = ()> + Send + 'static {
        let io = self.clone();
        async move {
            signal.await;
            io.close().await;
        }
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.0.config)
            .finish_non_exhaustive()
    }
}
