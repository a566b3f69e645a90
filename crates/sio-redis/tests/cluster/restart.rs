//! Redis restarted in the middle of traffic: every node keeps serving its own clients while Redis is
//! away, then reconnects and subscribes again by itself, and the cluster works as before, without a
//! server restart. What pub/sub publishes while Redis is down is lost (documented).

use crate::client::Client;
use crate::common::{eventually, RedisServer};
use crate::nodes::{start, Kind, NodeRedis, Rust};
use sio_protocol::{value, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

async fn restart_in_traffic(adapter: &str, kinds: [Kind; 3]) {
    let mut redis = RedisServer::start().await;
    let url = redis.url();
    let args = [
        "--redis",
        url.as_str(),
        "--requests-timeout",
        "1000",
        "--adapter",
        adapter,
    ];
    let mut nodes = Vec::new();
    for kind in kinds {
        nodes.push(start(kind, &args).await);
    }
    let mut clients = Vec::new();
    for node in &nodes {
        clients.push(Client::connect(&node.url(), "/").await);
    }
    for c in &clients {
        assert_eq!(server_count(c).await, Value::from(3));
    }

    // Traffic before: a broadcast from node 0 reaches every client.
    let tick = |n: i64| value!({ "event": "tick", "args": [n] });
    assert_eq!(
        clients[0].call("broadcast", tick(1)).await,
        Value::Bool(true)
    );
    for c in &mut clients {
        assert_eq!(c.next("tick", WAIT).await, Some(vec![Value::from(1)]));
    }

    redis.stop().await;
    // Redis is away: each Rust node still serves its own clients (the local part of a broadcast, once the
    // publish failed). Node's ClusterAdapter (sharded) waits for the publish before acting locally, and
    // node-redis queues it until Redis is back, so its clients get it late: not checked here.
    for (i, c) in clients.iter_mut().enumerate() {
        let _ = c.call("broadcast", tick(10 + i as i64)).await;
        if kinds[i] == Rust {
            assert_eq!(
                c.next("tick", WAIT).await,
                Some(vec![Value::from(10 + i as i64)])
            );
        }
    }
    redis.restart().await;

    // Every node subscribes again: the server count comes back to 3 everywhere...
    for c in &clients {
        let back = eventually(Duration::from_secs(20), || async {
            server_count(c).await == Value::from(3)
        })
        .await;
        assert!(back, "a node did not subscribe again after the restart");
    }
    // What was queued while Redis was away (by node-redis) has arrived by now.
    for c in &mut clients {
        c.drain(Duration::from_millis(1000)).await;
    }
    // ...and broadcasts from each node reach every client again, exactly once.
    for from in 0..clients.len() {
        let n = 100 + from as i64;
        assert_eq!(
            clients[from].call("broadcast", tick(n)).await,
            Value::Bool(true)
        );
        for c in &mut clients {
            assert_eq!(c.next("tick", WAIT).await, Some(vec![Value::from(n)]));
        }
    }
    for c in &mut clients {
        let extra = c.drain(Duration::from_millis(300)).await;
        assert!(extra.is_empty(), "duplicates after the restart: {extra:?}");
    }
    // Requests work again too.
    let all = clients[1].call("fetch", value!({})).await;
    assert_eq!(all.as_array().map(Vec::len), Some(3), "{all:?}");
}

async fn server_count(c: &Client) -> Value {
    c.call("server-count", Value::Null).await
}

#[tokio::test]
async fn classic_survives_a_redis_restart() {
    restart_in_traffic("classic", [Rust, NodeRedis, Rust]).await;
}

#[tokio::test]
async fn sharded_survives_a_redis_restart() {
    restart_in_traffic("sharded", [Rust, Rust, NodeRedis]).await;
}
