//! `sio emit` into a two-node cluster: two `sio serve --redis` nodes on a `redis-server` this test starts,
//! a scripted `sio connect` on each node, and the event (to a room, then to everyone) reaching the right
//! clients on both nodes.

mod common;

use common::{json_lines, run_sio, sio, Proc, Serve};
use sio_bench::redis_server::RedisServer;
use std::time::Duration;

/// A scripted client that waits for `count` `news` events; returns once it is connected.
fn listener(url: &str, count: &str) -> Proc {
    let mut cmd = sio();
    cmd.args([
        "connect",
        url,
        "--wait-for",
        "news",
        "--count",
        count,
        "--timeout",
        "30",
    ]);
    let mut proc = Proc::spawn(cmd);
    proc.wait_line("connect", |l| l.contains(r#""type":"connect""#));
    proc
}

/// The arguments of every `news` event a finished client printed.
fn news(proc: &mut Proc) -> Vec<serde_json::Value> {
    let (status, lines) = proc.finish();
    assert!(status.success(), "{lines:?} {}", proc.stderr_text());
    json_lines(&lines)
        .into_iter()
        .filter(|l| l["event"] == "news")
        .map(|l| l["args"].clone())
        .collect()
}

#[test]
fn emits_into_a_two_node_cluster() {
    let redis = RedisServer::start().expect("redis-server starts (it must be on PATH)");
    let url = redis.url();
    let a = Serve::start(&["--redis", &url]);
    let b = Serve::start(&["--redis", &url, "--adapter", "classic"]);
    redis
        .wait_for_cluster(2, true, Duration::from_secs(30))
        .expect("both nodes subscribed");

    // The benchmark contract joins the room named by the `room` query parameter.
    let mut in_room = listener(&format!("{}/?room=r1", b.url), "2");
    let mut others = listener(&a.url, "1");

    let (status, _, stderr) = run_sio(&[
        "emit",
        "--redis",
        &url,
        "--to",
        "r1",
        "news",
        r#""to r1""#,
        "1",
    ]);
    assert!(status.success(), "{stderr}");
    let (status, _, stderr) = run_sio(&[
        "emit",
        "--redis",
        &url,
        "--except",
        "nobody",
        "news",
        r#"{"all":true}"#,
    ]);
    assert!(status.success(), "{stderr}");

    assert_eq!(
        news(&mut in_room),
        [
            serde_json::json!(["to r1", 1]),
            serde_json::json!([{"all": true}])
        ]
    );
    assert_eq!(news(&mut others), [serde_json::json!([{"all": true}])]);
    drop((a, b));
}

#[test]
fn bad_arguments_and_an_unreachable_redis_fail_clearly() {
    let (status, _, stderr) =
        run_sio(&["emit", "--redis", "redis://127.0.0.1:1", "news", "not-json"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not JSON: not-json"), "{stderr}");
    let (status, _, stderr) = run_sio(&["emit", "--redis", "redis://127.0.0.1:1", "news", "1"]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot connect to Redis"), "{stderr}");
}
