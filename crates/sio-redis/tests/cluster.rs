//! Clusters of Rust and Node servers on one Redis or a Redis Cluster: the official adapter test list
//! through the `cluster_node` contract, the emitters both ways, and Redis restarts.

mod common;

// The Rust node is the `cluster_node` example itself, run in a child process of this test binary.
#[path = "../examples/cluster_node/contract.rs"]
mod contract;
#[path = "../examples/cluster_node/node.rs"]
mod node;
#[path = "../examples/cluster_node/options.rs"]
mod options;

#[path = "cluster/client.rs"]
mod client;
#[path = "cluster/emitter.rs"]
mod emitter;
#[path = "cluster/faults/mod.rs"]
mod faults;
#[path = "cluster/mixed.rs"]
mod mixed;
#[path = "cluster/nodes.rs"]
mod nodes;
#[path = "cluster/postgres.rs"]
mod postgres;
#[path = "cluster/restart.rs"]
mod restart;
#[path = "cluster/streams.rs"]
mod streams;

/// Entry point of a Rust node process: the tests start this binary again on this (ignored) test, with the
/// node's command line in `SIO_CLUSTER_NODE_ARGS`.
#[test]
#[ignore = "entry point of the Rust cluster node processes, started by the tests"]
fn rust_cluster_node() {
    let Ok(args) = std::env::var("SIO_CLUSTER_NODE_ARGS") else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let options = options::NodeOptions::parse(args.split_whitespace().map(str::to_owned))
        .unwrap_or_else(|e| panic!("{e}\n{}", options::USAGE));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(node::run(options))
        .expect("cluster node");
}
