//! The official admin dashboard watching a two-node cluster in a real browser: two `sio serve --redis --admin`
//! nodes on a `redis-server` this test starts, and Debian's chromium (npm playwright-core,
//! `tests/js/browser/admin_cluster.mjs`) logged in to the first node's dashboard. It lists both servers (named
//! `HOST#PID`, as the official instrumentation names cluster workers), the sockets and rooms of both nodes, an
//! event the second node received, and disconnects the second node's socket. Screenshots are kept in
//! `target/tmp/browser/`.

mod common;

use common::{js_dir, Proc, Serve};
use sio_bench::redis_server::RedisServer;
use std::process::Command;
use std::time::Duration;

#[test]
fn the_dashboard_on_one_node_watches_and_acts_on_both() {
    let redis = RedisServer::start().expect("redis-server starts (it must be on PATH)");
    let url = redis.url();
    // bcrypt of "changeit".
    let hash = "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS";
    let admin = [
        "--admin",
        "--admin-user",
        "admin",
        "--admin-password-hash",
        hash,
    ];
    let node = [&["--redis", url.as_str()][..], &admin].concat();
    let (a, b) = (Serve::start(&node), Serve::start(&node));
    redis
        .wait_for_cluster(2, true, Duration::from_secs(30))
        .expect("both nodes subscribed");
    let host = sio_admin::hostname();
    let (id_a, id_b) = (
        format!("{host}#{}", a.proc.id()),
        format!("{host}#{}", b.proc.id()),
    );

    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let mut script = Command::new("node");
    script
        .current_dir(js_dir())
        .arg("browser/admin_cluster.mjs")
        .args([&a.url, &id_a, &b.url, &id_b])
        .arg(&shots);
    let mut browser = Proc::spawn(script);
    let (status, lines) = browser.finish_within(Duration::from_secs(90));
    assert!(
        status.success() && lines.iter().any(|l| l == "cluster dashboard ok"),
        "{status:?} {lines:?}\n{}",
        browser.stderr_text()
    );
    println!("screenshots in {}", shots.display());
    for shot in ["servers", "sockets", "rooms", "events", "disconnected"] {
        let path = shots.join(format!("admin-cluster-{shot}.png"));
        let len = std::fs::metadata(&path).map_or(0, |m| m.len());
        assert!(len > 1000, "{}: no screenshot", path.display());
    }
}
