//! Every official error answer of the engine, over real HTTP.

mod engine_support;

use engine_support::{client, fast_config, Fixture};
use sio_server::engine::EngineConfig;

async fn json_error(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    assert_eq!(
        res.headers()["content-type"],
        "application/json",
        "error answers are JSON"
    );
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).expect("json body"))
}

#[tokio::test]
async fn unknown_transport_is_code_0() {
    let f = Fixture::start(fast_config()).await;
    let c = client();
    for url in [
        format!("{}&transport=carrier-pigeon", f.base),
        f.base.clone(),
    ] {
        let (status, body) = json_error(c.get(url).send().await.unwrap()).await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            serde_json::json!({"code":0,"message":"Transport unknown"})
        );
    }
}

#[tokio::test]
async fn disabled_transport_is_code_0() {
    let f = Fixture::start(fast_config().transports(vec![sio_server::Transport::Websocket])).await;
    let (status, body) = json_error(
        client()
            .get(format!("{}&transport=polling", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 0);
}

#[tokio::test]
async fn unknown_sid_is_code_1() {
    let f = Fixture::start(fast_config()).await;
    let (status, body) = json_error(
        client()
            .get(f.poll_url("AAAAAAAAAAAAAAAAAAAA"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        serde_json::json!({"code":1,"message":"Session ID unknown"})
    );
}

#[tokio::test]
async fn handshake_by_post_is_code_2() {
    let f = Fixture::start(fast_config()).await;
    let (status, body) = json_error(
        client()
            .post(format!("{}&transport=polling", f.base))
            .body("4x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        serde_json::json!({"code":2,"message":"Bad handshake method"})
    );
}

#[tokio::test]
async fn websocket_transport_without_upgrade_is_code_3() {
    let f = Fixture::start(fast_config()).await;
    let (status, body) = json_error(
        client()
            .get(format!("{}&transport=websocket", f.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body, serde_json::json!({"code":3,"message":"Bad request"}));
}

#[tokio::test]
async fn polling_request_on_a_websocket_session_is_code_3() {
    let mut f = Fixture::start(fast_config()).await;
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("{}&transport=websocket", f.ws_base))
            .await
            .unwrap();
    use futures_util::StreamExt;
    let open = ws.next().await.unwrap().unwrap().into_text().unwrap();
    let v: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    let sid = v["sid"].as_str().unwrap().to_string();
    let (status, body) = json_error(client().get(f.poll_url(&sid)).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 3);
    assert!(matches!(f.next_event().await, engine_support::Ev::Open(_)));
}

#[tokio::test]
async fn forbidden_is_403_code_4() {
    let config = fast_config().allow_request(|parts| {
        let ok = parts.headers.contains_key("x-allowed");
        let custom = parts.headers.contains_key("x-custom");
        async move {
            match (ok, custom) {
                (true, _) => Ok(()),
                (false, true) => Err(Some("go away".to_string())),
                (false, false) => Err(None),
            }
        }
    });
    let f = Fixture::start(config).await;
    let c = client();
    let url = format!("{}&transport=polling", f.base);
    let (status, body) = json_error(c.get(&url).send().await.unwrap()).await;
    assert_eq!(status, 403);
    assert_eq!(body, serde_json::json!({"code":4,"message":"Forbidden"}));
    let (status, body) =
        json_error(c.get(&url).header("x-custom", "1").send().await.unwrap()).await;
    assert_eq!(status, 403);
    assert_eq!(body, serde_json::json!({"code":4,"message":"go away"}));
    let ok = c.get(&url).header("x-allowed", "1").send().await.unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn bad_protocol_version_is_code_5() {
    let f = Fixture::start(EngineConfig::default()).await;
    let addr = f.server.local_addr();
    for query in ["EIO=3&transport=polling", "transport=polling"] {
        let (status, body) = json_error(
            client()
                .get(format!("http://{addr}/engine.io/?{query}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            serde_json::json!({"code":5,"message":"Unsupported protocol version"})
        );
    }
}

#[tokio::test]
async fn refused_websocket_upgrades_get_400() {
    let f = Fixture::start(fast_config()).await;
    let err =
        tokio_tungstenite::connect_async(format!("{}&transport=websocket&sid=nope", f.ws_base))
            .await
            .expect_err("refused");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(res) => assert_eq!(res.status(), 400),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn other_paths_are_404() {
    let f = Fixture::start(fast_config()).await;
    let addr = f.server.local_addr();
    let res = client()
        .get(format!("http://{addr}/other?EIO=4&transport=polling"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_never_finishes_its_request_head_is_dropped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let f = Fixture::start(fast_config()).await;
    let mut tcp = tokio::net::TcpStream::connect(f.server.local_addr())
        .await
        .unwrap();
    tcp.write_all(b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // The clock is paused: it jumps to the server's deadline as soon as everything waits.
    let mut rest = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        tcp.read_to_end(&mut rest),
    )
    .await;
    assert!(read.is_ok(), "the server kept a stalled connection open");
}

#[tokio::test]
async fn an_oversized_request_head_is_refused() {
    let f = Fixture::start(fast_config()).await;
    let res = client()
        .get(format!("{}&transport=polling", f.base))
        .header("x-big", "a".repeat(32 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 431);
    assert_eq!(f.engine.sessions(), 0);
}
