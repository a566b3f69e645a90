//! Tests of the test infrastructure itself (`tests/common`): Redis servers and clusters, the TCP proxy and
//! child processes start, answer, break and heal as the adapter tests expect.

mod common;

use common::{
    eventually, node_script_env, run_command, run_node_script, with_timeout, within, ChildProcess,
    RedisCluster, RedisServer, Reply, RespConn, TcpProxy, WAIT,
};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

const FIXTURE: &str = "crates/sio-redis/tests/common/fixtures/lines.js";

fn pong() -> Reply {
    Reply::Simple("PONG".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_server_answers_ping_and_stops() {
    let mut redis = RedisServer::start().await;
    assert_eq!(redis.url(), format!("redis://127.0.0.1:{}", redis.port()));
    assert_eq!(redis.command(&["PING"]).await.unwrap(), pong());
    redis.stop().await;
    assert!(!redis.is_running());
    assert!(
        TcpStream::connect(redis.addr()).await.is_err(),
        "stopped server still listens"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_server_restarts_on_the_same_port() {
    let mut redis = RedisServer::start().await;
    let port = redis.port();
    let set = redis.command(&["SET", "k", "v"]).await.unwrap();
    assert_eq!(set, Reply::Simple("OK".into()));
    with_timeout(redis.restart()).await;
    assert_eq!(redis.port(), port);
    assert_eq!(redis.command(&["PING"]).await.unwrap(), pong());
    // no persistence: a restart starts empty
    assert_eq!(
        redis.command(&["GET", "k"]).await.unwrap(),
        Reply::Bulk(None)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_server_restart_waits_for_a_busy_port() {
    let mut redis = RedisServer::start().await;
    redis.stop().await;
    // someone holds the port for a moment
    let squatter = std::net::TcpListener::bind(redis.addr()).expect("port free after stop");
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        drop(squatter);
    });
    with_timeout(redis.restart()).await;
    assert_eq!(redis.command(&["PING"]).await.unwrap(), pong());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_server_pause_freezes_it() {
    let redis = RedisServer::start().await;
    let mut conn = RespConn::connect(redis.addr()).await.unwrap();
    redis.pause();
    conn.send(&["PING"]).await.unwrap();
    let frozen = tokio::time::timeout(Duration::from_millis(300), conn.read()).await;
    assert!(frozen.is_err(), "a paused server answered: {frozen:?}");
    redis.resume();
    let answer = within(Duration::from_secs(5), conn.read()).await.unwrap();
    assert_eq!(answer, Some(pong()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cluster_is_ok_and_serves_keys_through_redirects() {
    let cluster = with_timeout(RedisCluster::start(3)).await;
    let urls = cluster.urls();
    assert_eq!(urls.len(), 3);
    assert_eq!(cluster.url_list(), urls.join(","));
    for url in &urls {
        assert!(url.starts_with("redis://127.0.0.1:"), "{url}");
    }
    let ports: Vec<String> = cluster.ports().iter().map(u16::to_string).collect();
    for port in &ports {
        let (status, info, _) =
            run_command("redis-cli", &["-p", port, "CLUSTER", "INFO"], WAIT).await;
        assert!(status.success());
        assert!(info.contains("cluster_state:ok"), "{info}");
    }
    // keys spread over the 3 nodes: written through the first, read through the last (-c follows MOVED)
    let keys = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
    for key in keys {
        let value = format!("v-{key}");
        let set = ["-c", "-p", &ports[0], "SET", key, &value];
        let (status, out, err) = run_command("redis-cli", &set, WAIT).await;
        assert!(
            status.success() && out.trim() == "OK",
            "SET {key}: {out} {err}"
        );
        let get = ["-c", "-p", &ports[2], "GET", key];
        let (status, out, err) = run_command("redis-cli", &get, WAIT).await;
        assert!(
            status.success() && out.trim() == value,
            "GET {key}: {out} {err}"
        );
    }
    // and some of them did live elsewhere than on the first node
    let mut direct = RespConn::connect(cluster.addrs()[0]).await.unwrap();
    let mut moved = 0;
    for key in keys {
        if let Reply::Error(e) = direct.call(&["GET", key]).await.unwrap() {
            assert!(e.starts_with("MOVED"), "{e}");
            moved += 1;
        }
    }
    assert!(moved > 0, "every key hashed to the first node");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_forwards_cuts_and_restores() {
    let redis = RedisServer::start().await;
    let proxy = TcpProxy::start(redis.addr()).await;
    assert_eq!(proxy.url(), format!("redis://{}", proxy.addr()));
    let mut conn = RespConn::connect(proxy.addr()).await.unwrap();
    assert_eq!(with_timeout(conn.call(&["PING"])).await.unwrap(), pong());
    assert_eq!(proxy.connections(), 1);

    with_timeout(proxy.cut()).await;
    assert_eq!(proxy.connections(), 0);
    // the connected client sees EOF
    assert_eq!(with_timeout(conn.read()).await.unwrap(), None);
    // so does Redis: only the checking connection is left
    let one_client = eventually(Duration::from_secs(5), || async {
        let info = redis
            .command(&["INFO", "clients"])
            .await
            .unwrap()
            .text()
            .unwrap();
        info.lines().any(|l| l == "connected_clients:1")
    });
    assert!(one_client.await, "Redis still sees the proxied client");
    // a new connection is accepted and closed at once
    let mut during = TcpStream::connect(proxy.addr()).await.unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(with_timeout(during.read(&mut buf)).await.unwrap(), 0);

    proxy.restore();
    let mut conn = RespConn::connect(proxy.addr()).await.unwrap();
    assert_eq!(with_timeout(conn.call(&["PING"])).await.unwrap(), pong());
    let echo = with_timeout(conn.call(&["ECHO", "through"])).await.unwrap();
    assert_eq!(echo, Reply::Bulk(Some(b"through".to_vec())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_stall_parks_and_resumes() {
    let redis = RedisServer::start().await;
    let proxy = TcpProxy::start(redis.addr()).await;
    let mut open = RespConn::connect(proxy.addr()).await.unwrap();
    assert_eq!(with_timeout(open.call(&["PING"])).await.unwrap(), pong());

    proxy.stall();
    open.send(&["PING"]).await.unwrap();
    let mut parked = RespConn::connect(proxy.addr()).await.unwrap();
    parked.send(&["PING"]).await.unwrap();
    let silent = Duration::from_millis(300);
    assert!(tokio::time::timeout(silent, open.read()).await.is_err());
    assert!(tokio::time::timeout(silent, parked.read()).await.is_err());
    assert_eq!(proxy.connections(), 2);

    proxy.restore();
    assert_eq!(with_timeout(open.read()).await.unwrap(), Some(pong()));
    assert_eq!(with_timeout(parked.read()).await.unwrap(), Some(pong()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_closes_clients_while_upstream_is_down() {
    let mut redis = RedisServer::start().await;
    let proxy = TcpProxy::start(redis.addr()).await;
    let mut conn = RespConn::connect(proxy.addr()).await.unwrap();
    assert_eq!(with_timeout(conn.call(&["PING"])).await.unwrap(), pong());
    redis.stop().await;
    assert_eq!(with_timeout(conn.read()).await.unwrap(), None);
    let mut refused = RespConn::connect(proxy.addr()).await.unwrap();
    assert_eq!(with_timeout(refused.read()).await.unwrap(), None);
    with_timeout(redis.restart()).await;
    let mut conn = RespConn::connect(proxy.addr()).await.unwrap();
    assert_eq!(with_timeout(conn.call(&["PING"])).await.unwrap(), pong());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_process_lines_and_signals() {
    let script = "echo first; echo 'listening on 4321'; echo oops >&2; exec sleep 30";
    let mut child = ChildProcess::spawn("sh", &["-c", script], &[]).await;
    assert_eq!(child.wait_for_line("listening on ", WAIT).await, "4321");
    assert_eq!(child.wait_for_line("first", WAIT).await, "");
    let stderr = eventually(WAIT, || async { child.stderr_lines() == ["oops"] });
    assert!(stderr.await, "{}", child.dump());
    assert!(child.try_status().is_none());
    let status = child.terminate(Duration::from_secs(5)).await;
    assert!(!status.success());

    let mut child = ChildProcess::spawn("sleep", &["30"], &[]).await;
    let status = with_timeout(child.kill()).await;
    assert!(!status.success());

    let (status, out, err) =
        run_command("sh", &["-c", "echo out; echo err >&2; exit 3"], WAIT).await;
    assert_eq!(
        (status.code(), out.as_str(), err.as_str()),
        (Some(3), "out\n", "err\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "no stdout line starting with \"never\"")]
async fn child_process_missing_line_panics() {
    let child = ChildProcess::spawn("sh", &["-c", "echo other"], &[]).await;
    child.wait_for_line("never", Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_script_runs_from_the_repo_root() {
    let envs = [("LINES_TAG", "t1")];
    let mut node = node_script_env(FIXTURE, &["serve"], &envs).await;
    let port: u16 = node
        .wait_for_line("listening on ", WAIT)
        .await
        .parse()
        .unwrap();
    assert_eq!(node.wait_for_line("env ", WAIT).await, "t1");
    let mut conn = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut hello = String::new();
    with_timeout(conn.read_to_string(&mut hello)).await.unwrap();
    assert_eq!(hello, "hello\n");
    let status = node.terminate(Duration::from_secs(5)).await;
    assert!(status.success(), "{status}\n{}", node.dump());

    let args = ["exit", "7", "some", "words"];
    let (status, out, err) = run_node_script(FIXTURE, &args, WAIT).await;
    assert_eq!(
        (status.code(), out.as_str(), err.as_str()),
        (Some(7), "some words\n", "bye\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "timed out after 50ms")]
async fn within_panics_after_its_bound() {
    within(Duration::from_millis(50), std::future::pending::<()>()).await;
}
