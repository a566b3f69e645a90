//! The server: who may connect (a token checked by a connect middleware against the shared state), what
//! each event does, and the axum app around it with a graceful shutdown.
//!
//! The shared state ([`Huddle`]) is given once with `Server::with_state` and reaches every handler as a
//! `State<Huddle>` parameter. Each socket carries its user as serde `data` (what `fetch_sockets` sees, on
//! any node of a cluster) and a [`FloodGate`] as an extension (an `Instant` is not serde, and no other
//! node needs it).

use crate::events::{Credentials, Joined, Presence, Said, Say, JOIN, LEAVE, POST, PRESENCE, SAY};
use crate::state::{FloodGate, Huddle, Member};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use sio_server::{
    from_value, AckSender, DisconnectReason, MiddlewareError, Server, ServerConfig, Socket, State,
};
use std::future::Future;
use std::net::SocketAddr;

/// The Socket.IO server of the app, with its state and handlers.
pub fn socket_server(huddle: Huddle) -> Server {
    let io = Server::new(ServerConfig::default()).with_state(huddle);
    io.use_middleware(authenticate);
    io.on_connection(on_connection);
    io
}

/// The axum app: `/health` and, given the recorder's handle, `/metrics` (sio's counters in the
/// Prometheus text format) beside the Socket.IO server (which owns `/socket.io/`).
pub fn router(io: &Server, metrics: Option<PrometheusHandle>) -> axum::Router {
    let health = io.clone();
    let mut app = axum::Router::new().route(
        "/health",
        get(move || {
            let sockets = health.sockets().sockets().len();
            async move { format!("ok, {sockets} connected\n") }
        }),
    );
    if let Some(metrics) = metrics {
        app = app.route(
            "/metrics",
            get(move || std::future::ready(metrics.render())),
        );
    }
    app.layer(io.layer())
}

/// Serves the app on `listener` until `shutdown` completes, then closes every connection (clients see
/// `transport close`, as with the official `io.close()`, and would reconnect to wherever the app comes back)
/// and returns once the open requests have ended: Socket.IO closes first, so no long-polling request holds
/// the graceful shutdown back.
pub async fn serve(
    listener: tokio::net::TcpListener,
    io: Server,
    metrics: Option<PrometheusHandle>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(&io, metrics).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(io.close_on(shutdown))
        .await
}

/// Lets in a socket whose `auth` carries a known token; it gets its member data and a flood gate.
async fn authenticate(socket: Socket, State(huddle): State<Huddle>) -> Result<(), MiddlewareError> {
    let credentials: Credentials = from_value(socket.handshake().auth().clone())
        .map_err(|_| MiddlewareError::new("credentials required: auth {token}"))?;
    let name = huddle
        .user(&credentials.token)
        .ok_or_else(|| MiddlewareError::new("unknown token"))?;
    socket
        .set_data(&Member { name })
        .map_err(|e| MiddlewareError::new(e.to_string()))?;
    socket.extensions().insert(FloodGate::default());
    Ok(())
}

async fn on_connection(socket: Socket) {
    socket.on(JOIN, join);
    socket.on(LEAVE, leave);
    socket.on(SAY, say);
    socket.on_disconnecting(|socket: Socket, _reason: DisconnectReason| async move {
        for room in socket.rooms() {
            if room != socket.id() {
                announce(&socket, room, false).await;
            }
        }
    });
}

/// Joins `room`: the ack has its members and history, the others there learn who came.
async fn join(socket: Socket, State(huddle): State<Huddle>, room: String, ack: AckSender) {
    if room.is_empty() || room == socket.id() {
        let _ = ack.send(&"invalid room");
        return;
    }
    socket.join(room.as_str());
    let mut members: Vec<String> = match socket.nsp().in_(room.as_str()).fetch_sockets().await {
        Ok(sockets) => sockets
            .iter()
            .filter_map(|s| s.data::<Member>().map(|m| m.name))
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot list the members of {room}");
            Vec::new()
        }
    };
    members.sort();
    members.dedup();
    let history = huddle.history(&room);
    let _ = ack.send(&Joined {
        room: room.clone(),
        members,
        history,
    });
    announce(&socket, room, true).await;
}

async fn leave(socket: Socket, room: String) {
    if socket.rooms().contains(&room) && room != socket.id() {
        socket.leave(room.as_str());
        announce(&socket, room, false).await;
    }
}

/// Posts to a room the socket is in, at most [`FloodGate::POSTS`] per [`FloodGate::WINDOW`].
async fn say(socket: Socket, State(huddle): State<Huddle>, say: Say, ack: AckSender) {
    let refused = |reason: &str| Said::Refused {
        reason: reason.to_owned(),
    };
    let answer = if say.room == socket.id() || !socket.rooms().contains(&say.room) {
        refused("not in this room")
    } else if say.text.trim().is_empty() {
        refused("nothing to say")
    } else if !socket.extensions().with(FloodGate::admit).unwrap_or(false) {
        refused("slow down")
    } else {
        let from = member(&socket);
        let post = huddle.record(say.room, from, say.text);
        // To everyone in the room but the sender, who has the id in the ack.
        if let Err(e) = socket.to(post.room.as_str()).emit(POST, &post).await {
            tracing::warn!(error = %e, "post {} not broadcast", post.id);
        }
        Said::Posted { id: post.id }
    };
    let _ = ack.send(&answer);
}

/// Tells the others in `room` that this socket's user came or left.
async fn announce(socket: &Socket, room: String, here: bool) {
    let user = member(socket);
    let presence = Presence {
        room: room.clone(),
        user,
        here,
    };
    if let Err(e) = socket.to(room).emit(PRESENCE, &presence).await {
        tracing::warn!(error = %e, "presence not broadcast");
    }
}

fn member(socket: &Socket) -> String {
    socket.data::<Member>().map(|m| m.name).unwrap_or_default()
}
