//! The HTTP hooks: `initial_headers` and `headers` on the engine's answers (polling, the websocket
//! handshake and the upgrade), served by `listen` and mounted in axum, and the requests a handler
//! sees (the handshake's, and the POST that carried an event), with the official client as the peer.

mod common;

use axum::extract::{ConnectInfo, Request};
use http::header::SET_COOKIE;
use http::{HeaderMap, HeaderValue};
use serde_json::json;
use sio_server::engine::{CookieConfig, RemoteAddr};
use sio_server::{AckSender, Server, ServerConfig, Socket, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const TIMEOUT: Duration = Duration::from_secs(10);

/// What the `headers` hook saw: each request's URI and `Cookie` header.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A server with the session cookie, two cookies of its own on the handshake, and a `headers` hook
/// that names the server, echoes the request's `x-request-id` and its peer address, and records
/// every request it answers.
fn hooked_server(seen: Seen) -> Server {
    let config = ServerConfig::default().engine(|e| {
        e.cookie(Some(CookieConfig::default()))
            .data_requests(true)
            .initial_headers(|headers, _request| {
                headers.append(
                    SET_COOKIE,
                    HeaderValue::from_static("backend=node-1; Path=/"),
                );
                headers.append(SET_COOKIE, HeaderValue::from_static("theme=dark; Path=/"));
            })
            .headers(move |headers, request| {
                headers.insert("x-served-by", HeaderValue::from_static("node-1"));
                if let Some(id) = request.headers.get("x-request-id") {
                    headers.insert("x-request-id", id.clone());
                }
                if let Some(RemoteAddr(peer)) = request.extensions.get::<RemoteAddr>() {
                    let peer = HeaderValue::from_str(&peer.ip().to_string()).unwrap();
                    headers.insert("x-peer", peer);
                }
                let cookie = cookies(&request.headers);
                seen.lock().unwrap().push((request.uri.to_string(), cookie));
            })
    });
    let io = Server::new(config);
    io.on_connection(|socket: Socket| async move {
        socket.on("requests", requests);
    });
    io
}

/// Answers with what the handler sees of the handshake request and of the POST of this event.
async fn requests(socket: Socket, _: Vec<Value>, ack: AckSender) {
    // The POST's request stays readable across the handler's awaits.
    tokio::task::yield_now().await;
    let handshake = socket.request();
    let post = socket.data_request().map(|r| {
        json!({
            "method": r.method.as_str(),
            "seq": header(r.headers(), "x-seq"),
            "cookie": cookies(r.headers()),
        })
    });
    let _ = ack.send(&json!({
        "transport": socket.conn().transport().as_str(),
        "handshake": {
            "method": handshake.method.as_str(),
            "path": handshake.uri.path_and_query().map(|p| p.as_str()),
            "seq": header(handshake.headers(), "x-seq"),
            "hasAddress": handshake.remote_addr.is_some(),
        },
        "post": post,
    }));
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    Some(headers.get(name)?.to_str().ok()?.to_owned())
}

/// The `Cookie` headers of a request, one or several, as one string.
fn cookies(headers: &HeaderMap) -> Option<String> {
    let all: Vec<&str> = headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!all.is_empty()).then(|| all.join("; "))
}

fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    let all = headers.get_all(SET_COOKIE).iter();
    all.map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// How the server is served.
#[derive(Debug, Clone, Copy)]
enum Mount {
    Listen,
    Axum,
}

/// Serves `io` on a loopback port; the returned task stops it when aborted.
async fn serve(
    io: &Server,
    mount: Mount,
) -> (SocketAddr, Option<sio_server::engine::EngineServer>) {
    match mount {
        Mount::Listen => {
            let (server, addr) = common::start(io).await;
            (addr, Some(server))
        }
        Mount::Axum => {
            let app = axum::Router::new()
                .layer(io.layer())
                .layer(axum::middleware::map_request(
                    |ConnectInfo(peer): ConnectInfo<SocketAddr>, mut req: Request| async move {
                        req.extensions_mut().insert(RemoteAddr(peer));
                        req
                    },
                ));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            tokio::spawn(async move { axum::serve(listener, service).await });
            (addr, None)
        }
    }
}

async fn stop(io: Server, server: Option<sio_server::engine::EngineServer>) {
    io.close().await;
    if let Some(server) = server {
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_set_headers_on_every_polling_answer() {
    for mount in [Mount::Listen, Mount::Axum] {
        let io = hooked_server(Seen::default());
        let (addr, server) = serve(&io, mount).await;
        let http = reqwest::Client::builder().timeout(TIMEOUT).build().unwrap();
        let url = format!("http://{addr}/socket.io/?EIO=4&transport=polling");

        let open = http
            .get(&url)
            .header("x-request-id", "a")
            .send()
            .await
            .unwrap();
        assert_eq!(open.status(), 200, "{mount:?}");
        let headers = open.headers().clone();
        let body = open.text().await.unwrap();
        let handshake: serde_json::Value =
            serde_json::from_str(body.strip_prefix('0').expect("an open packet")).unwrap();
        let sid = handshake["sid"].as_str().unwrap();
        // The `cookie` option first, then the hook's own cookies, each its own header.
        assert_eq!(
            set_cookies(&headers),
            [
                format!("io={sid}; Path=/; HttpOnly; SameSite=Lax"),
                "backend=node-1; Path=/".to_owned(),
                "theme=dark; Path=/".to_owned(),
            ],
            "{mount:?}"
        );
        assert_eq!(header(&headers, "x-served-by").as_deref(), Some("node-1"));
        assert_eq!(header(&headers, "x-request-id").as_deref(), Some("a"));
        assert_eq!(header(&headers, "x-peer").as_deref(), Some("127.0.0.1"));

        // A POST and a later poll: `headers` only, with their own request.
        let session = format!("{url}&sid={sid}");
        let post = http.post(&session).header("x-request-id", "b").body("40");
        let post = post.send().await.unwrap();
        assert_eq!(post.status(), 200);
        assert!(set_cookies(post.headers()).is_empty(), "{mount:?}");
        assert_eq!(
            header(post.headers(), "x-served-by").as_deref(),
            Some("node-1")
        );
        assert_eq!(header(post.headers(), "x-request-id").as_deref(), Some("b"));
        assert_eq!(
            header(post.headers(), "x-peer").as_deref(),
            Some("127.0.0.1")
        );

        let poll = http
            .get(&session)
            .header("x-request-id", "c")
            .send()
            .await
            .unwrap();
        assert_eq!(poll.status(), 200);
        let headers = poll.headers().clone();
        assert!(poll.text().await.unwrap().starts_with("40{"), "{mount:?}");
        assert!(set_cookies(&headers).is_empty(), "{mount:?}");
        assert_eq!(header(&headers, "x-served-by").as_deref(), Some("node-1"));
        assert_eq!(header(&headers, "x-request-id").as_deref(), Some("c"));
        stop(io, server).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_set_headers_on_websocket_handshakes_and_upgrades() {
    for mount in [Mount::Listen, Mount::Axum] {
        let io = hooked_server(Seen::default());
        let (addr, server) = serve(&io, mount).await;
        let base = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");

        // Websocket first: the 101 is the handshake answer.
        let mut req = base.as_str().into_client_request().unwrap();
        req.headers_mut()
            .insert("x-request-id", HeaderValue::from_static("w"));
        let (mut ws, res) = tokio_tungstenite::connect_async(req).await.unwrap();
        let cookies = set_cookies(res.headers());
        assert_eq!(cookies.len(), 3, "{mount:?}: {cookies:?}");
        assert!(cookies[0].starts_with("io="), "{cookies:?}");
        assert_eq!(
            cookies[1..],
            ["backend=node-1; Path=/", "theme=dark; Path=/"]
        );
        assert_eq!(
            header(res.headers(), "x-served-by").as_deref(),
            Some("node-1")
        );
        assert_eq!(header(res.headers(), "x-request-id").as_deref(), Some("w"));
        assert_eq!(
            header(res.headers(), "x-peer").as_deref(),
            Some("127.0.0.1")
        );
        let _ = ws.close(None).await;

        // An upgrade: its 101 gets `headers` only.
        let http = reqwest::Client::builder().timeout(TIMEOUT).build().unwrap();
        let polling = format!("http://{addr}/socket.io/?EIO=4&transport=polling");
        let open = http
            .get(&polling)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let handshake: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
        let sid = handshake["sid"].as_str().unwrap();
        let mut req = format!("{base}&sid={sid}").into_client_request().unwrap();
        req.headers_mut()
            .insert("x-request-id", HeaderValue::from_static("u"));
        let (mut ws, res) = tokio_tungstenite::connect_async(req).await.unwrap();
        assert!(set_cookies(res.headers()).is_empty(), "{mount:?}");
        assert_eq!(
            header(res.headers(), "x-served-by").as_deref(),
            Some("node-1")
        );
        assert_eq!(header(res.headers(), "x-request-id").as_deref(), Some("u"));
        let _ = ws.close(None).await;
        stop(io, server).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_client_keeps_hooked_cookies_and_handlers_see_their_requests() {
    let seen = Seen::default();
    let io = hooked_server(seen.clone());
    let (server, addr) = common::start(&io).await;
    common::run_node(
        "server/http_hooks.mjs",
        &[&format!("http://{addr}")],
        TIMEOUT * 3,
    )
    .await;
    // The client sent the cookies of its handshake back on its upgrade, as a sticky-session load
    // balancer needs.
    let seen = seen.lock().unwrap().clone();
    let upgrade = seen
        .iter()
        .find(|(uri, _)| uri.contains("transport=websocket") && uri.contains("sid="))
        .expect("an upgrade request went through the `headers` hook");
    let cookie = upgrade.1.as_deref().unwrap_or_default();
    assert!(cookie.contains("backend=node-1"), "{cookie:?}");
    stop(io, Some(server)).await;
}
