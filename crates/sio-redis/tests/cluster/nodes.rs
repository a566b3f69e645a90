//! Starting cluster nodes, Rust or Node, and running the Node suite against three of them.

use crate::common::{node_script, run_node_script, ChildProcess};
use std::time::Duration;

/// Which implementation a node runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The `cluster_node` example (sio-redis).
    Rust,
    /// `tests/js/cluster/node.js` on the official packages, with node-redis.
    NodeRedis,
    /// The same with ioredis.
    NodeIoredis,
}

pub use Kind::{NodeIoredis, NodeRedis, Rust};

/// A running node and its port.
pub struct Node {
    pub process: ChildProcess,
    pub port: u16,
}

impl Node {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Starts a node of `kind` on a free port with the contract's options `args` (`--redis` included).
pub async fn start(kind: Kind, args: &[&str]) -> Node {
    let mut args: Vec<&str> = args.to_vec();
    args.extend(["--port", "0"]);
    let process = match kind {
        Kind::Rust => {
            let exe = std::env::current_exe().expect("test binary");
            let joined = args.join(" ");
            ChildProcess::spawn(
                exe.to_str().expect("utf-8 path"),
                &["rust_cluster_node", "--exact", "--ignored", "--nocapture"],
                &[("SIO_CLUSTER_NODE_ARGS", joined.as_str())],
            )
            .await
        }
        Kind::NodeRedis | Kind::NodeIoredis => {
            let client = if kind == Kind::NodeRedis {
                "redis"
            } else {
                "ioredis"
            };
            args.extend(["--client", client]);
            node_script("tests/js/cluster/node.js", &args).await
        }
    };
    let port = process
        .wait_for_line("listening on ", Duration::from_secs(20))
        .await
        .trim()
        .parse()
        .expect("a port");
    Node { process, port }
}

/// Starts three nodes of the given kinds with the same options.
pub async fn start_three(kinds: [Kind; 3], args: &[&str]) -> Vec<Node> {
    let mut nodes = Vec::new();
    for kind in kinds {
        nodes.push(start(kind, args).await);
    }
    nodes
}

/// Runs the official adapter test list (`tests/js/cluster/suite.js`) against three nodes; panics with its
/// report unless every test passed.
pub async fn run_suite(nodes: &[Node]) {
    let urls: Vec<String> = nodes.iter().map(Node::url).collect();
    let args: Vec<&str> = urls.iter().map(String::as_str).collect();
    let (status, stdout, stderr) =
        run_node_script("tests/js/cluster/suite.js", &args, Duration::from_secs(90)).await;
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("cluster suite:"))
        .unwrap_or("no summary")
        .to_owned();
    if !status.success() {
        let logs: Vec<String> = nodes.iter().map(|n| n.process.dump()).collect();
        panic!(
            "cluster suite failed ({summary})\n{stdout}\n{stderr}\nnode logs:\n{}",
            logs.join("\n")
        );
    }
    assert!(summary.contains(" 0 failed"), "{summary}");
}
