//! The emitters both ways: sio's `Emitter` against Node servers, and the official
//! `@socket.io/redis-emitter` against Rust servers (and sio's against Rust servers).

use crate::client::Client;
use crate::common::{run_node_script, RedisServer};
use crate::nodes::{start, Kind, Node, NodeRedis, Rust};
use sio_protocol::{value, Value};
use sio_redis::{Emitter, RedisConnection, RedisTarget};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(300);
const WAIT: Duration = Duration::from_secs(5);

/// Who emits: sio's emitter, or the official one run by `tests/js/cluster/emit.js`.
enum Sender {
    Rust(Emitter),
    Node(String),
}

impl Sender {
    async fn new(rust: bool, redis: &str) -> Sender {
        if rust {
            let conn = RedisConnection::connect(&RedisTarget::parse(redis))
                .await
                .expect("redis");
            Sender::Rust(Emitter::new(conn, "socket.io"))
        } else {
            Sender::Node(redis.to_owned())
        }
    }

    /// Performs one contract-shaped operation (see `tests/js/cluster/emit.js`) on namespace `nsp`.
    async fn run(&self, nsp: &str, op: &str, arg: Value) {
        match self {
            Sender::Node(redis) => {
                let json = serde_json::to_string(&arg).unwrap();
                let args = ["--redis", redis, "--nsp", nsp, op, &json];
                let (status, stdout, stderr) =
                    run_node_script("tests/js/cluster/emit.js", &args, WAIT).await;
                assert!(status.success(), "emit.js {op}: {stdout}{stderr}");
            }
            Sender::Rust(emitter) => {
                let e = emitter.of(nsp);
                let strings = |key: &str| -> Vec<String> {
                    arg.get(key)
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let target = e.to(strings("rooms")).except(strings("except"));
                let text = |key: &str| {
                    arg.get(key)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned()
                };
                let args = arg
                    .get("args")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                match op {
                    "emit" => target.emit_args(&text("event"), args).await,
                    "sockets-join" => target.sockets_join(text("room")).await,
                    "sockets-leave" => target.sockets_leave(text("room")).await,
                    "disconnect-sockets" => {
                        let close = arg.get("close").and_then(Value::as_bool).unwrap_or(false);
                        target.disconnect_sockets(close).await
                    }
                    "server-side-emit" => e.server_side_emit_args(&text("event"), args).await,
                    other => panic!("unknown operation {other}"),
                }
                .unwrap_or_else(|e| panic!("emitter {op}: {e}"));
            }
        }
    }
}

fn ids(fetched: &Value) -> Vec<String> {
    let mut ids: Vec<String> = fetched
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.get("id")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

async fn scenario(kind: Kind, rust_emitter: bool) {
    let redis = RedisServer::start().await;
    let url = redis.url();
    let args = ["--redis", url.as_str(), "--requests-timeout", "1000"];
    let nodes: Vec<Node> = vec![start(kind, &args).await, start(kind, &args).await];
    let mut c0 = Client::connect(&nodes[0].url(), "/").await;
    let mut c1 = Client::connect(&nodes[1].url(), "/").await;
    let mut d1 = Client::connect(&nodes[1].url(), "/custom").await;
    assert_eq!(
        c1.call("join", Value::from("room1")).await,
        Value::Bool(true)
    );
    let sender = Sender::new(rust_emitter, &url).await;

    // To a room: only its member, on the other node.
    let news = value!({ "rooms": ["room1"], "event": "news", "args": ["hello", 1] });
    sender.run("/", "emit", news).await;
    assert_eq!(
        c1.next("news", WAIT).await,
        Some(vec![Value::from("hello"), Value::from(1)])
    );
    assert!(c0.drain(QUIET).await.is_empty(), "c0 is not in room1");

    // Except a room, then another namespace.
    sender
        .run("/", "emit", value!({ "except": ["room1"], "event": "e2" }))
        .await;
    assert_eq!(c0.next("e2", WAIT).await, Some(vec![]));
    sender
        .run("/custom", "emit", value!({ "event": "c", "args": [true] }))
        .await;
    assert_eq!(d1.next("c", WAIT).await, Some(vec![Value::Bool(true)]));
    let stray = [c0.drain(QUIET).await, c1.drain(Duration::ZERO).await];
    assert!(stray.iter().all(Vec::is_empty), "unexpected: {stray:?}");

    // Binary, from the Rust emitter (the Node CLI takes JSON).
    if let Sender::Rust(emitter) = &sender {
        let blob = bytes::Bytes::from_static(b"\x00\x01\xff");
        emitter
            .to("room1")
            .emit("blob", &(blob.clone(),))
            .await
            .unwrap();
        assert_eq!(c1.next("blob", WAIT).await, Some(vec![Value::Binary(blob)]));
    }

    // socketsJoin of one socket by id, socketsLeave of a room: seen through fetchSockets.
    let c0_id = c0.socket.id().expect("id");
    let join = value!({ "rooms": [(c0_id.as_str())], "room": "room2" });
    sender.run("/", "sockets-join", join).await;
    let in_room2 = || c1.call("fetch", value!({ "rooms": ["room2"] }));
    assert_eq!(ids(&in_room2().await), vec![c0_id.clone()]);
    sender
        .run("/", "sockets-leave", value!({ "room": "room1" }))
        .await;
    let in_room1 = c0.call("fetch", value!({ "rooms": ["room1"] })).await;
    assert!(ids(&in_room1).is_empty(), "room1 left: {in_room1:?}");

    // A server-side event reaches every server.
    let hello = value!({ "event": "hello", "args": ["from-emitter"] });
    sender.run("/", "server-side-emit", hello).await;
    tokio::time::sleep(QUIET).await;
    for c in [&c0, &c1] {
        assert_eq!(
            c.call("last-hello", Value::Null).await,
            value!(["from-emitter"])
        );
    }

    // disconnectSockets on the main namespace only.
    sender
        .run("/", "disconnect-sockets", value!({ "close": false }))
        .await;
    assert!(c0.next("disconnect", WAIT).await.is_some());
    assert!(c1.next("disconnect", WAIT).await.is_some());
    assert!(d1.socket.connected(), "/custom is another namespace");
}

#[tokio::test]
async fn rust_emitter_to_node_servers() {
    scenario(NodeRedis, true).await;
}

#[tokio::test]
async fn node_emitter_to_rust_servers() {
    scenario(Rust, false).await;
}

#[tokio::test]
async fn rust_emitter_to_rust_servers() {
    scenario(Rust, true).await;
}
