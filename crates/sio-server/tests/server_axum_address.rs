//! Mounted in axum, `handshake().address()` is the peer's address once the app hands axum's `ConnectInfo`
//! to the engine as `RemoteAddr`.

use axum::extract::{ConnectInfo, Request};
use sio_server::engine::RemoteAddr;
use sio_server::{Server, ServerConfig, Socket};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_address_is_the_peer_address_in_axum() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Server::new(ServerConfig::default());
    io.on_connection(move |socket: Socket| {
        let _ = tx.send(socket.handshake().address());
        std::future::ready(())
    });
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
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });

    // Another loopback address than the server's, so the address cannot come from anywhere but the peer.
    let peer = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let http = reqwest::Client::builder()
        .local_address(peer)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = format!("http://{addr}/socket.io/?EIO=4&transport=polling");
    let open = http.get(&url).send().await.unwrap().text().await.unwrap();
    let handshake: serde_json::Value =
        serde_json::from_str(open.strip_prefix('0').expect("an open packet")).unwrap();
    let sid = handshake["sid"].as_str().expect("a session id");
    let posted = http
        .post(format!("{url}&sid={sid}"))
        .body("40")
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_success());

    let address = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the namespace connection in time")
        .expect("an address");
    assert_eq!(address, peer.to_string());
    io.close().await;
    server.abort();
}
