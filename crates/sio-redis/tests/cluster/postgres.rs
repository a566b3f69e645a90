//! The PostgreSQL adapter (sio-postgres, npm `@socket.io/postgres-adapter` 0.5) in clusters of Rust and
//! Node nodes on the PostgreSQL at `SIO_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`):
//! the official adapter test list, broadcast order, and the attachments table (binary data and payloads
//! over the NOTIFY limit). Each test uses a channel prefix of its own, so tests run in parallel on one
//! database.

use crate::common::with_timeout;
use crate::nodes::{run_suite, start_three, Kind, Node, NodeRedis as NodeJs, Rust};
use sio_client::{Options, Socket, TransportKind};
use sio_protocol::Value;
use std::time::Duration;
use tokio::sync::mpsc;

fn database_url() -> String {
    std::env::var("SIO_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A channel prefix no other test uses (short: channel names have at most 63 bytes).
fn unique_prefix(test: &str) -> String {
    format!("pg-{test}-{:08x}", rand::random::<u32>())
}

/// Starts three nodes of `kinds` on PostgreSQL with the prefix `prefix`, and waits until each counts the
/// three of them on both namespaces (heartbeat mode learns the others from their messages).
async fn start_cluster(kinds: [Kind; 3], prefix: &str) -> Vec<Node> {
    let url = database_url();
    let args = [
        "--adapter",
        "postgres",
        "--postgres",
        url.as_str(),
        "--key",
        prefix,
        "--requests-timeout",
        "1000",
    ];
    let nodes = with_timeout(start_three(kinds, &args)).await;
    wait_for_cluster(&nodes).await;
    nodes
}

async fn wait_for_cluster(nodes: &[Node]) {
    for node in nodes {
        for nsp in ["/", "/custom"] {
            let client = Client::connect(&node.url(), nsp).await;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
            loop {
                let count = client.call("server-count", Value::Null).await;
                if count.as_u64() == Some(3) {
                    break;
                }
                if tokio::time::Instant::now() > deadline {
                    let logs: Vec<String> = nodes.iter().map(|n| n.process.dump()).collect();
                    panic!(
                        "{} counts {count:?} servers on {nsp}\n{}",
                        node.url(),
                        logs.join("\n")
                    );
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// A sio-client socket recording the events it receives.
struct Client {
    socket: Socket,
    events: mpsc::UnboundedReceiver<(String, Vec<Value>)>,
}

impl Client {
    async fn connect(url: &str, nsp: &str) -> Client {
        let options = Options::default()
            .transports(vec![TransportKind::WebSocket])
            .reconnection(false)
            .force_new(true);
        let socket = sio_client::io(&format!("{url}{nsp}"), options).expect("client");
        let (tx, events) = mpsc::unbounded_channel();
        socket.on_any(move |e| {
            let _ = tx.send((e.name.clone(), e.args.clone()));
        });
        with_timeout(socket.connect())
            .await
            .expect("client connected");
        Client { socket, events }
    }

    /// Emits a contract event and returns its ack.
    async fn call(&self, event: &str, arg: Value) -> Value {
        with_timeout(self.socket.emit_with_ack::<_, Value>(event, &arg))
            .await
            .unwrap_or_else(|e| panic!("{event}: {e}"))
    }

    /// The arguments of the next `n` events named `name`, waiting at most `wait` in all.
    async fn collect(&mut self, name: &str, n: usize, wait: Duration) -> Vec<Vec<Value>> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut got = Vec::new();
        while got.len() < n {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some((event, args))) if event == name => got.push(args),
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        got
    }
}

/// One client per node on `/`.
async fn clients(nodes: &[Node]) -> Vec<Client> {
    let mut clients = Vec::new();
    for node in nodes {
        clients.push(Client::connect(&node.url(), "/").await);
    }
    clients
}

#[tokio::test]
async fn postgres_suite_rust_rust_rust() {
    let nodes = start_cluster([Rust, Rust, Rust], &unique_prefix("rrr")).await;
    run_suite(&nodes).await;
}

#[tokio::test]
async fn postgres_suite_rust_node_rust() {
    let nodes = start_cluster([Rust, NodeJs, Rust], &unique_prefix("rnr")).await;
    run_suite(&nodes).await;
}

#[tokio::test]
async fn postgres_suite_node_rust_node() {
    let nodes = start_cluster([NodeJs, Rust, NodeJs], &unique_prefix("nrn")).await;
    run_suite(&nodes).await;
}

/// How many back-to-back broadcasts the order tests send.
const IN_A_ROW: usize = 30;

/// Node 0's client asks for `IN_A_ROW` broadcasts without waiting in between; returns, per node's
/// client, the sequence numbers in the order they arrived.
async fn back_to_back(nodes: &[Node]) -> Vec<Vec<u64>> {
    let mut clients = clients(nodes).await;
    let acks: Vec<_> = (0..IN_A_ROW)
        .map(|i| {
            let op = sio_protocol::value!({ "event": "seq", "args": [(i as u64)] });
            clients[0]
                .socket
                .emit_with_ack::<_, Value>("broadcast", &op)
        })
        .collect();
    for ack in acks {
        with_timeout(ack).await.expect("broadcast acked");
    }
    let mut orders = Vec::new();
    for client in &mut clients {
        let got = client
            .collect("seq", IN_A_ROW, Duration::from_secs(5))
            .await;
        orders.push(got.iter().filter_map(|a| a.first()?.as_u64()).collect());
    }
    orders
}

#[tokio::test]
async fn postgres_back_to_back_broadcasts_arrive_in_order() {
    let nodes = start_cluster([Rust, Rust, Rust], &unique_prefix("order")).await;
    let expected: Vec<u64> = (0..IN_A_ROW as u64).collect();
    for (i, order) in back_to_back(&nodes).await.into_iter().enumerate() {
        assert_eq!(order, expected, "the order on node {i}");
    }
}

/// The same from a Node node (the official adapter): every broadcast arrives, in whatever order. Prints
/// the orders seen, for the record.
#[tokio::test]
async fn postgres_back_to_back_broadcasts_from_node() {
    let nodes = start_cluster([NodeJs, Rust, Rust], &unique_prefix("order-js")).await;
    let expected: Vec<u64> = (0..IN_A_ROW as u64).collect();
    for (i, order) in back_to_back(&nodes).await.into_iter().enumerate() {
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, expected, "the broadcasts on node {i}");
        println!(
            "node {i}: {} ({order:?})",
            if order == expected {
                "in order"
            } else {
                "out of order"
            }
        );
    }
}

/// Binary arguments, and a string too large for a NOTIFY: both go through the attachments table, sent
/// by a Rust and by a Node node, as a broadcast and as a server-side event.
#[tokio::test]
async fn postgres_attachments_between_rust_and_node() {
    let nodes = start_cluster([Rust, NodeJs, Rust], &unique_prefix("attach")).await;
    let mut clients = clients(&nodes).await;
    let large = "x".repeat(10_000);
    for sender in [0, 1] {
        let binary = Value::Binary(vec![sender as u8, 1, 2, 255].into());
        let args = Value::Array(vec![binary.clone(), Value::from(large.clone())]);
        let op = sio_protocol::value!({ "event": "attached", "args": (args.clone()) });
        assert_eq!(
            clients[sender].call("broadcast", op).await,
            Value::Bool(true)
        );
        for (i, client) in clients.iter_mut().enumerate() {
            let got = client.collect("attached", 1, Duration::from_secs(5)).await;
            assert_eq!(got.len(), 1, "node {i} got the broadcast of node {sender}");
            assert_eq!(got[0].len(), 2, "node {i}: {:?}", got[0]);
            assert_eq!(
                got[0][0].as_bytes(),
                binary.as_bytes(),
                "node {i}: the binary"
            );
            assert_eq!(
                got[0][1].as_str(),
                Some(large.as_str()),
                "node {i}: the string"
            );
        }

        let op = sio_protocol::value!({ "event": "hello", "args": (args.clone()) });
        assert_eq!(
            clients[sender].call("server-side-emit", op).await,
            Value::Bool(true)
        );
        for (i, client) in clients.iter().enumerate() {
            if i == sender {
                continue;
            }
            let mut last = Value::Null;
            for _ in 0..50 {
                last = client.call("last-hello", Value::Null).await;
                if last
                    .as_array()
                    .and_then(|a| a.first())
                    .and_then(Value::as_bytes)
                    == binary.as_bytes()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let last = last.as_array().cloned().unwrap_or_default();
            assert_eq!(
                last.len(),
                2,
                "node {i}: the server-side event of node {sender}"
            );
            assert_eq!(
                last[0].as_bytes(),
                binary.as_bytes(),
                "node {i}: the binary"
            );
            assert_eq!(
                last[1].as_str(),
                Some(large.as_str()),
                "node {i}: the string"
            );
        }
    }
}
