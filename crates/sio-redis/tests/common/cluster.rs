//! A throwaway Redis cluster of N masters (no replicas) on free loopback ports, formed with
//! `redis-cli --cluster create`, ready once every node reports `cluster_state:ok`; killed on drop.

use super::eventually;
use super::ports::free_port_with_bus;
use super::process::{run_command, ChildProcess};
use super::redis::launch;
use super::resp::command;
use super::tempdir::TempDir;
use std::fmt::Write;
use std::net::SocketAddr;
use std::time::Duration;

/// Free ports tried per node before giving up.
const PORT_TRIES: usize = 20;
/// How long `redis-cli --cluster create` may take.
const CREATE_WAIT: Duration = Duration::from_secs(30);
/// How long the nodes get to agree on `cluster_state:ok` after it.
const READY_WAIT: Duration = Duration::from_secs(20);

struct Node {
    // declared before `dir`: the process dies before its directory goes
    proc: ChildProcess,
    port: u16,
    _dir: TempDir,
}

pub struct RedisCluster {
    nodes: Vec<Node>,
}

impl RedisCluster {
    /// Starts `n` (at least 3) cluster nodes, joins them with all slots spread over them, waits until the
    /// cluster is up on every node.
    pub async fn start(n: usize) -> RedisCluster {
        assert!(
            n >= 3,
            "redis-cli --cluster create needs at least 3 masters, got {n}"
        );
        let extra: Vec<String> = [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "2000",
        ]
        .map(String::from)
        .into();
        let mut nodes = Vec::with_capacity(n);
        while nodes.len() < n {
            nodes.push(start_node(&extra).await);
        }
        let cluster = RedisCluster { nodes };
        cluster.create().await;
        cluster.wait_ready().await;
        cluster
    }

    async fn create(&self) {
        let addrs: Vec<String> = self
            .ports()
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        let mut args = vec!["--cluster", "create"];
        args.extend(addrs.iter().map(String::as_str));
        args.extend(["--cluster-replicas", "0", "--cluster-yes"]);
        let (status, out, err) = run_command("redis-cli", &args, CREATE_WAIT).await;
        assert!(
            status.success(),
            "redis-cli --cluster create failed ({status})\n{out}\n{err}\n{}",
            self.dump()
        );
    }

    async fn wait_ready(&self) {
        let known = format!("cluster_known_nodes:{}", self.nodes.len());
        let ports = self.ports();
        let ready = eventually(READY_WAIT, || async {
            for &port in &ports {
                let info = cluster_info(port).await;
                if !(info.contains("cluster_state:ok") && info.contains(&known)) {
                    return false;
                }
            }
            true
        })
        .await;
        if !ready {
            let mut states = String::new();
            for &port in &ports {
                let info = cluster_info(port).await;
                let _ = writeln!(states, "--- CLUSTER INFO of {port}\n{info}");
            }
            panic!(
                "the cluster was not ok on every node within {READY_WAIT:?}\n{states}{}",
                self.dump()
            );
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }

    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.ports()
            .into_iter()
            .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
            .collect()
    }

    /// `redis://127.0.0.1:PORT` of every node.
    pub fn urls(&self) -> Vec<String> {
        self.ports()
            .into_iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect()
    }

    /// [`Self::urls`] joined with commas.
    pub fn url_list(&self) -> String {
        self.urls().join(",")
    }

    /// Every node's output so far.
    pub fn dump(&self) -> String {
        self.nodes
            .iter()
            .map(|n| n.proc.dump())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

async fn start_node(extra: &[String]) -> Node {
    for _ in 0..PORT_TRIES {
        let port = free_port_with_bus();
        let dir = TempDir::new("cluster");
        if let Some(proc) = launch(port, dir.path(), extra).await {
            return Node {
                proc,
                port,
                _dir: dir,
            };
        }
    }
    panic!("a redis cluster node found its ports in use {PORT_TRIES} times in a row");
}

/// The `CLUSTER INFO` text of the node on `port`, or the error getting it.
async fn cluster_info(port: u16) -> String {
    let info = command(("127.0.0.1", port), &["CLUSTER", "INFO"]);
    match tokio::time::timeout(Duration::from_secs(1), info).await {
        Ok(Ok(reply)) => reply.text().unwrap_or_else(|| format!("{reply:?}")),
        Ok(Err(e)) => format!("error: {e}"),
        Err(_) => "no answer within 1s".into(),
    }
}
