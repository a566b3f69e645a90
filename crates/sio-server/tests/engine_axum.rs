//! The engine mounted in axum through `EngineLayer` and as an `EngineService` route.

mod engine_support;

use axum::{routing::get, Router};
use engine_support::{client, fast_config, Recorder};
use futures_util::StreamExt;
use sio_server::engine::{Engine, EngineLayer, EngineService};

async fn serve(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn layer_serves_the_engine_path_and_forwards_the_rest() {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::new(fast_config(), Recorder(tx));
    let app = Router::new()
        .route("/", get(|| async { "axum" }))
        .layer(EngineLayer::new(engine.clone()));
    let addr = serve(app).await;
    let c = client();
    let root = c.get(format!("http://{addr}/")).send().await.unwrap();
    assert_eq!(root.text().await.unwrap(), "axum");
    let hs = c
        .get(format!("http://{addr}/engine.io/?EIO=4&transport=polling"))
        .send()
        .await
        .unwrap();
    assert!(hs.text().await.unwrap().starts_with("0{\"sid\""));
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/engine.io/?EIO=4&transport=websocket"
    ))
    .await
    .unwrap();
    let open = ws.next().await.unwrap().unwrap().into_text().unwrap();
    assert!(open.starts_with("0{\"sid\""));
    assert_eq!(engine.sessions(), 2);
}

#[tokio::test]
async fn service_can_be_a_fallback_route() {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::new(fast_config(), Recorder(tx));
    let app = Router::new().fallback_service(EngineService::new(engine));
    let addr = serve(app).await;
    let c = client();
    let hs = c
        .get(format!("http://{addr}/engine.io/?EIO=4&transport=polling"))
        .send()
        .await
        .unwrap();
    assert_eq!(hs.status(), 200);
    let other = c.get(format!("http://{addr}/nope")).send().await.unwrap();
    assert_eq!(other.status(), 404);
}
