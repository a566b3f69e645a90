//! The official adapter test list on three nodes, Rust and Node mixed, for the classic and the sharded
//! adapter, on a single Redis and on a Redis Cluster.

use crate::common::{with_timeout, RedisCluster, RedisServer};
use crate::nodes::{run_suite, start_three, Kind, NodeIoredis, NodeRedis, Rust};

/// Short request timeouts, as the official tests use, so that the timeout cases are quick.
const TIMEOUT: [&str; 2] = ["--requests-timeout", "1000"];

async fn on_single(kinds: [Kind; 3], adapter: &[&str]) {
    let redis = RedisServer::start().await;
    let url = redis.url();
    let mut args = vec!["--redis", url.as_str()];
    args.extend(TIMEOUT);
    args.extend(adapter);
    let nodes = with_timeout(start_three(kinds, &args)).await;
    run_suite(&nodes).await;
}

async fn on_cluster(kinds: [Kind; 3], adapter: &[&str]) {
    let cluster = RedisCluster::start(3).await;
    let urls = cluster.url_list();
    let mut args = vec!["--redis", urls.as_str()];
    args.extend(TIMEOUT);
    args.extend(adapter);
    let nodes = with_timeout(start_three(kinds, &args)).await;
    run_suite(&nodes).await;
}

const CLASSIC: &[&str] = &["--adapter", "classic"];
const SPECIFIC: &[&str] = &["--adapter", "classic", "--specific-response-channel"];
const DYNAMIC: &[&str] = &["--adapter", "sharded", "--subscription-mode", "dynamic"];
const PRIVATE: &[&str] = &[
    "--adapter",
    "sharded",
    "--subscription-mode",
    "dynamic-private",
];
const STATIC: &[&str] = &["--adapter", "sharded", "--subscription-mode", "static"];

#[tokio::test]
async fn classic_single_rust_rust_rust() {
    on_single([Rust, Rust, Rust], CLASSIC).await;
}

#[tokio::test]
async fn classic_single_rust_node_rust() {
    on_single([Rust, NodeRedis, Rust], CLASSIC).await;
}

#[tokio::test]
async fn classic_single_node_rust_node_ioredis() {
    on_single([NodeIoredis, Rust, NodeIoredis], CLASSIC).await;
}

#[tokio::test]
async fn classic_single_specific_response_channel() {
    on_single([Rust, NodeRedis, Rust], SPECIFIC).await;
}

#[tokio::test]
async fn classic_cluster_rust_rust_rust() {
    on_cluster([Rust, Rust, Rust], CLASSIC).await;
}

#[tokio::test]
async fn classic_cluster_rust_node_rust_ioredis() {
    on_cluster([Rust, NodeIoredis, Rust], CLASSIC).await;
}

#[tokio::test]
async fn classic_cluster_node_rust_node() {
    on_cluster([NodeRedis, Rust, NodeRedis], CLASSIC).await;
}

#[tokio::test]
async fn sharded_single_rust_rust_rust() {
    on_single([Rust, Rust, Rust], DYNAMIC).await;
}

#[tokio::test]
async fn sharded_single_rust_node_rust_dynamic_private() {
    on_single([Rust, NodeRedis, Rust], PRIVATE).await;
}

#[tokio::test]
async fn sharded_single_node_rust_node_static() {
    on_single([NodeRedis, Rust, NodeRedis], STATIC).await;
}

#[tokio::test]
async fn sharded_cluster_rust_rust_rust() {
    on_cluster([Rust, Rust, Rust], DYNAMIC).await;
}

#[tokio::test]
async fn sharded_cluster_rust_node_rust_ioredis() {
    on_cluster([Rust, NodeIoredis, Rust], DYNAMIC).await;
}

#[tokio::test]
async fn sharded_cluster_node_rust_node() {
    on_cluster([NodeRedis, Rust, NodeRedis], PRIVATE).await;
}
