//! The Redis Streams adapter (`@socket.io/redis-streams-adapter` 0.3.x) with Rust and Node nodes mixed, on a
//! single Redis and on a Redis Cluster: the official adapter test list, the official connection state
//! recovery cases with a client that moves from one node to another (Rust to Node, Node to Rust, Rust to
//! Rust), namespaces spread over several streams, and a reader that lost its connection.

use crate::client::Client;
use crate::common::{
    eventually, run_node_script, with_timeout, RedisCluster, RedisServer, TcpProxy,
};
use crate::nodes::{run_suite, start, start_three, Kind, Node, NodeIoredis, NodeRedis, Rust};
use sio_protocol::{value, Value};
use sio_redis::{streams_adapter, RedisConnection, RedisTarget, StreamsAdapterOptions};
use sio_server::{Server, ServerConfig};
use std::sync::Arc;
use std::time::Duration;

/// The streams adapter, with the short request timeout of the official tests.
const STREAMS: &[&str] = &["--adapter", "streams", "--requests-timeout", "1000"];

async fn suite(redis: &str, kinds: [Kind; 3]) {
    let mut args = vec!["--redis", redis];
    args.extend(STREAMS);
    let nodes = with_timeout(start_three(kinds, &args)).await;
    run_suite(&nodes).await;
}

/// Runs `tests/js/cluster/recovery.js` with a client moving from a node of kind `from` to one of kind `to`.
async fn recovery(redis: &str, from: Kind, to: Kind) {
    let mut args = vec!["--redis", redis, "--recovery"];
    args.extend(STREAMS);
    let a = with_timeout(start(from, &args)).await;
    let b = with_timeout(start(to, &args)).await;
    let (status, stdout, stderr) = run_node_script(
        "tests/js/cluster/recovery.js",
        &[&a.url(), &b.url()],
        Duration::from_secs(60),
    )
    .await;
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("recovery suite:"))
        .unwrap_or("no summary");
    if !status.success() || !summary.contains(" 0 failed") {
        let logs: Vec<String> = [&a, &b].iter().map(|n: &&Node| n.process.dump()).collect();
        panic!(
            "recovery suite failed ({summary})\n{stdout}\n{stderr}\nnode logs:\n{}",
            logs.join("\n")
        );
    }
}

async fn on_single_suite(kinds: [Kind; 3]) {
    let redis = RedisServer::start().await;
    suite(&redis.url(), kinds).await;
}

async fn on_cluster_suite(kinds: [Kind; 3]) {
    let cluster = RedisCluster::start(3).await;
    suite(&cluster.url_list(), kinds).await;
}

async fn on_single_recovery(from: Kind, to: Kind) {
    let redis = RedisServer::start().await;
    recovery(&redis.url(), from, to).await;
}

async fn on_cluster_recovery(from: Kind, to: Kind) {
    let cluster = RedisCluster::start(3).await;
    recovery(&cluster.url_list(), from, to).await;
}

#[tokio::test]
async fn streams_single_rust_rust_rust() {
    on_single_suite([Rust, Rust, Rust]).await;
}

#[tokio::test]
async fn streams_single_rust_node_rust() {
    on_single_suite([Rust, NodeRedis, Rust]).await;
}

#[tokio::test]
async fn streams_single_node_rust_node_ioredis() {
    on_single_suite([NodeIoredis, Rust, NodeIoredis]).await;
}

#[tokio::test]
async fn streams_cluster_rust_rust_rust() {
    on_cluster_suite([Rust, Rust, Rust]).await;
}

#[tokio::test]
async fn streams_cluster_rust_node_rust_ioredis() {
    on_cluster_suite([Rust, NodeIoredis, Rust]).await;
}

#[tokio::test]
async fn streams_cluster_node_rust_node() {
    on_cluster_suite([NodeRedis, Rust, NodeRedis]).await;
}

#[tokio::test]
async fn streams_recovery_single_rust_to_node() {
    on_single_recovery(Rust, NodeRedis).await;
}

#[tokio::test]
async fn streams_recovery_single_node_to_rust() {
    on_single_recovery(NodeRedis, Rust).await;
}

#[tokio::test]
async fn streams_recovery_single_rust_to_rust() {
    on_single_recovery(Rust, Rust).await;
}

#[tokio::test]
async fn streams_recovery_cluster_rust_to_node() {
    on_cluster_recovery(Rust, NodeRedis).await;
}

#[tokio::test]
async fn streams_recovery_cluster_node_to_rust() {
    on_cluster_recovery(NodeIoredis, Rust).await;
}

#[tokio::test]
async fn streams_recovery_cluster_rust_to_rust() {
    on_cluster_recovery(Rust, Rust).await;
}

/// A Rust node in this process, with the streams adapter and `options`.
async fn in_process_node(
    redis: &str,
    options: StreamsAdapterOptions,
) -> (Server, sio_server::engine::EngineServer, String) {
    let conn = RedisConnection::connect(&RedisTarget::parse(redis))
        .await
        .expect("redis");
    let config = ServerConfig::default().adapter(Arc::new(streams_adapter(conn, options)));
    let io = Server::new(config);
    crate::contract::register(&io);
    let server = io.listen(("127.0.0.1", 0)).await.expect("listen");
    let url = format!("http://127.0.0.1:{}", server.local_addr().port());
    (io, server, url)
}

/// `streamCount: 5` on a Redis Cluster: `/` and `/custom` use the streams `hashCode(nsp) % 5` names
/// (`socket.io-2` and `socket.io-4`), in different slots, and each namespace's broadcasts and room
/// operations still reach the other node, in order.
#[tokio::test]
async fn streams_cluster_stream_count() {
    let cluster = RedisCluster::start(3).await;
    let redis = cluster.url_list();
    let options = StreamsAdapterOptions {
        stream_count: 5,
        read_count: 1,
        ..Default::default()
    };
    let (_io0, _server0, url0) = with_timeout(in_process_node(&redis, options.clone())).await;
    let (_io1, _server1, url1) = with_timeout(in_process_node(&redis, options.clone())).await;
    assert_eq!(options.stream_of("/"), "socket.io-2");
    assert_eq!(options.stream_of("/custom"), "socket.io-4");

    const WAIT: Duration = Duration::from_secs(5);
    for nsp in ["/", "/custom"] {
        let sender = Client::connect(&url0, nsp).await;
        let mut receiver = Client::connect(&url1, nsp).await;
        // Both nodes read the namespace's stream once each counts the other.
        for client in [&sender, &receiver] {
            let counted = eventually(WAIT, || async {
                client.call("server-count", Value::Null).await == Value::from(2)
            })
            .await;
            assert!(counted, "{nsp}: the nodes do not count each other");
        }
        let room = format!("room{}", nsp.len());
        // a room operation (stream entry), then broadcasts to that room, which must follow it
        let joined = sender
            .call(
                "sockets-join",
                value!({ "rooms": [], "except": [], "room": room.clone() }),
            )
            .await;
        assert_eq!(joined, Value::Bool(true));
        for n in 0..5i64 {
            let sent = sender
                .call(
                    "broadcast",
                    value!({ "rooms": [room.clone()], "event": "tick", "args": [n] }),
                )
                .await;
            assert_eq!(sent, Value::Bool(true));
        }
        for n in 0..5i64 {
            let args = receiver.next("tick", WAIT).await;
            assert_eq!(args, Some(vec![Value::from(n)]), "{nsp}: tick {n}");
        }
    }

    let conn = RedisConnection::connect(&RedisTarget::parse(&redis))
        .await
        .expect("redis");
    let len = |stream: String| {
        let conn = conn.clone();
        async move {
            conn.query::<u64>(redis::cmd("XLEN").arg(stream))
                .await
                .expect("XLEN")
        }
    };
    // one SOCKETS_JOIN and five BROADCASTs per namespace
    assert_eq!(len("socket.io-2".into()).await, 6);
    assert_eq!(len("socket.io-4".into()).await, 6);
    for other in ["socket.io", "socket.io-0", "socket.io-1", "socket.io-3"] {
        assert_eq!(len(other.into()).await, 0, "{other}");
    }
}

/// A node whose link to Redis is cut while another node broadcasts: once the link is back, its stream
/// reader resumes right after the last entry it read, so it delivers what was added meanwhile, in order.
#[tokio::test]
async fn streams_reader_resumes_after_lost_connection() {
    const WAIT: Duration = Duration::from_secs(10);
    let redis = RedisServer::start().await;
    let proxy = TcpProxy::start(redis.addr()).await;
    let options = StreamsAdapterOptions {
        block_time: Duration::from_millis(500),
        ..Default::default()
    };
    let (_io0, _server0, url0) = with_timeout(in_process_node(&proxy.url(), options.clone())).await;
    let (_io1, _server1, url1) = with_timeout(in_process_node(&redis.url(), options)).await;
    let mut receiver = Client::connect(&url0, "/").await;
    let sender = Client::connect(&url1, "/").await;
    // Both nodes read the stream once each counts the other (the receiver's node through the proxy is
    // the slower one to pin where its reader starts).
    for client in [&sender, &receiver] {
        let counted = eventually(WAIT, || async {
            client.call("server-count", Value::Null).await == Value::from(2)
        })
        .await;
        assert!(counted, "the nodes do not count each other");
    }
    let tick = |n: i64| value!({ "event": "tick", "args": [n] });

    assert_eq!(sender.call("broadcast", tick(0)).await, Value::Bool(true));
    assert_eq!(
        receiver.next("tick", WAIT).await,
        Some(vec![Value::from(0)])
    );

    proxy.cut().await;
    for n in 1..=3 {
        assert_eq!(sender.call("broadcast", tick(n)).await, Value::Bool(true));
    }
    // the reader fails and retries while the link is down (reading from `$` again would lose 1 to 3)
    tokio::time::sleep(Duration::from_millis(700)).await;
    proxy.restore();
    for n in 1..=3 {
        let got = receiver.next("tick", WAIT).await;
        assert_eq!(
            got,
            Some(vec![Value::from(n)]),
            "tick {n} after the link came back"
        );
    }
}
