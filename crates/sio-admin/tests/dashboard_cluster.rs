//! The dashboard's cluster view: two sio servers on the Redis adapter (`sio-redis`, a real `redis-server`),
//! both instrumented; the dashboard (`tests/js/admin/cluster.mjs`, the official client) connects to one and
//! sees both servers' stats, a socket of the other server live and in `all_sockets`, and disconnects it.

mod common;

use sio_admin::{instrument, AdminOptions, Auth};
use sio_redis::{RedisAdapterFactory, RedisAdapterOptions, RedisConnection, RedisTarget};
use sio_server::{Server, ServerConfig};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

/// A throwaway `redis-server` on a free loopback port, killed on drop.
struct Redis {
    _child: tokio::process::Child,
    url: String,
}

async fn redis() -> Redis {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = tokio::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .kill_on_drop(true)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server must be installed to run the cluster test");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "redis-server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Redis {
        _child: child,
        url: format!("redis://127.0.0.1:{port}"),
    }
}

async fn node(redis: &Redis, id: &str) -> (Server, sio_server::engine::EngineServer, String) {
    let conn = RedisConnection::connect(&RedisTarget::parse(&redis.url))
        .await
        .expect("redis");
    let adapter = RedisAdapterFactory::new(conn, RedisAdapterOptions::default());
    let io = Server::new(ServerConfig::default().adapter(Arc::new(adapter)));
    let options = AdminOptions::new(Auth::Basic {
        username: "admin".into(),
        password_hash: common::secret_hash(),
    })
    .server_id(id)
    .stats_interval(Duration::from_millis(300));
    instrument(&io, options).expect("instrument");
    common::app(&io);
    let server = io.listen("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", server.local_addr());
    (io, server, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_on_one_server_sees_and_acts_on_the_other() {
    let redis = redis().await;
    let (a, server_a, url_a) = node(&redis, "node-a").await;
    let (b, server_b, url_b) = node(&redis, "node-b").await;
    let stdout = common::run_node(
        "admin/cluster.mjs",
        &[&url_a, &url_b],
        Duration::from_secs(40),
    )
    .await;
    assert!(stdout.contains("cluster ok"), "{stdout}");
    a.close().await;
    b.close().await;
    server_a.shutdown().await;
    server_b.shutdown().await;
}
