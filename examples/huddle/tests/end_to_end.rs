//! The huddle server binary and its client, end to end: token auth, rooms with presence and history,
//! typed acknowledgements and refusals, flood control per socket, and a shutdown on SIGTERM that closes
//! every connection and does not wait for a long-polling request.

use huddle::client::Client;
use huddle::events::{Joined, Presence, Said};
use huddle::state::FloodGate;
use sio_client::{DisconnectReason, TransportKind};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

/// The server binary, running.
struct Running {
    process: Child,
    url: String,
    /// Its output after the first line, until it ends.
    rest: tokio::task::JoinHandle<Vec<String>>,
}

/// Runs the server binary on a free port.
async fn start_server() -> Running {
    let mut server = Command::new(env!("CARGO_BIN_EXE_huddle"))
        .arg("127.0.0.1:0")
        .env("HUDDLE_USERS", "t1=ann,t2=bob,t3=cy")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the huddle binary runs");
    let stdout = server.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the server says where it listens")
        .expect("stdout")
        .expect("a line");
    let url = first
        .strip_prefix("huddle on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    // Keep reading the rest so that the server never blocks on a full pipe.
    let rest = tokio::spawn(async move {
        let mut out = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            out.push(line);
        }
        out
    });
    Running {
        process: server,
        url,
        rest,
    }
}

/// Runs `huddle-client` with `args`; returns its exit success, stdout and stderr.
async fn client(args: &[&str]) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_huddle-client"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the client binary runs");
    let (mut out, mut err) = (String::new(), String::new());
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let status = tokio::time::timeout(Duration::from_secs(30), async {
        let _ = tokio::join!(
            stdout.read_to_string(&mut out),
            stderr.read_to_string(&mut err)
        );
        child.wait().await
    })
    .await
    .expect("the client ends within 30 s")
    .expect("wait");
    (status.success(), out, err)
}

async fn next<T>(rx: &mut UnboundedReceiver<T>, what: &str) -> T {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap_or_else(|_| panic!("{what} within 10 s"))
        .expect("channel open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_huddles_then_the_server_stops_at_once() {
    let Running {
        process: mut server,
        url,
        rest,
    } = start_server().await;
    let health = reqwest::get(format!("{url}/health")).await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok, 0 connected\n");

    // ann stays on long-polling: the shutdown below must not wait for her pending GET.
    let ann = Client::connect(&url, "t1", vec![TransportKind::Polling])
        .await
        .expect("ann's token is known");
    let (posts_tx, mut posts) = unbounded_channel();
    ann.on_post(move |p| {
        let _ = posts_tx.send(p);
    });
    let (presence_tx, mut presence) = unbounded_channel();
    ann.on_presence(move |p| {
        let _ = presence_tx.send(p);
    });
    let (ended_tx, mut ended) = unbounded_channel();
    ann.on_disconnect(move |r| {
        let _ = ended_tx.send(r);
    });
    let joined = ann.join("ops").await.unwrap();
    assert_eq!(
        joined,
        Joined {
            room: "ops".into(),
            members: vec!["ann".into()],
            history: vec![]
        }
    );

    // bob, through the client command: joins, posts twice, leaves.
    let (ok, out, err) = client(&[&url, "t2", "ops", "deploy done", "all green"]).await;
    assert!(ok, "{out}{err}");
    assert_eq!(out, "in ops with ann, bob\nposted #1\nposted #2\n");
    let came = Presence {
        room: "ops".into(),
        user: "bob".into(),
        here: true,
    };
    assert_eq!(next(&mut presence, "bob's arrival").await, came);
    let first = next(&mut posts, "bob's first post").await;
    assert_eq!(
        (first.id, first.from.as_str(), first.text.as_str()),
        (1, "bob", "deploy done")
    );
    assert_eq!(
        next(&mut posts, "bob's second post").await.text,
        "all green"
    );
    let left = next(&mut presence, "bob's departure").await;
    assert_eq!((left.user.as_str(), left.here), ("bob", false));

    // Typed answers, refusals included.
    assert_eq!(
        ann.say("ops", "thanks").await.unwrap(),
        Said::Posted { id: 3 }
    );
    let refused = |reason: &str| Said::Refused {
        reason: reason.into(),
    };
    assert_eq!(
        ann.say("lobby", "hi").await.unwrap(),
        refused("not in this room")
    );
    assert_eq!(
        ann.say("ops", "  ").await.unwrap(),
        refused("nothing to say")
    );
    // Flood control, per socket: "thanks" opened ann's window.
    let started = Instant::now();
    let mut answers = Vec::new();
    for i in 1..FloodGate::POSTS {
        answers.push(ann.say("ops", &format!("burst {i}")).await.unwrap());
    }
    answers.push(ann.say("ops", "one too many").await.unwrap());
    if started.elapsed() < FloodGate::WINDOW / 2 {
        assert_eq!(answers.pop(), Some(refused("slow down")), "{answers:?}");
        assert!(
            answers.iter().all(|a| matches!(a, Said::Posted { .. })),
            "{answers:?}"
        );
    }

    // cy, a newcomer, gets the history through the typed ack; a wrong token is refused.
    let (ok, out, err) = client(&[&url, "t3", "ops"]).await;
    assert!(ok, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "in ops with ann, cy",
            "#1 bob: deploy done",
            "#2 bob: all green",
            "#3 ann: thanks"
        ]
    );
    let (ok, out, err) = client(&[&url, "nope", "ops"]).await;
    assert!(!ok, "{out}");
    assert_eq!(
        err,
        format!("huddle-client: cannot connect to {url}: connect error: unknown token\n")
    );

    // SIGTERM: ann's connection is closed (`transport close`, as the official `io.close()` does), and the
    // process ends without waiting for her long-polling request.
    let health = reqwest::get(format!("{url}/health")).await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok, 1 connected\n");
    // sio's counters, through the metrics facade into the app's Prometheus recorder.
    let metrics = reqwest::get(format!("{url}/metrics")).await.unwrap();
    let metrics = metrics.text().await.unwrap();
    let value = |name: &str| -> f64 {
        let line = metrics
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {metrics}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(value("sio_sockets_connected{nsp=\"/\"}"), 1.0);
    // Every event: ann's join and 8 says, bob's join and 2 says, cy's join.
    assert_eq!(value("sio_events_received_total"), 13.0);
    assert!(value("sio_packets_sent_total") >= 13.0);
    assert!(value("sio_bytes_received_total") > 100.0);
    assert!(value("sio_bytes_sent_total") > 100.0);
    let pid = server.id().expect("running").to_string();
    let stopping = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(kill.success());
    let status = tokio::time::timeout(Duration::from_secs(10), server.wait())
        .await
        .expect("the server stops within 10 s")
        .unwrap();
    let took = stopping.elapsed();
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(3), "the shutdown took {took:?}");
    assert_eq!(
        next(&mut ended, "ann's disconnection").await,
        DisconnectReason::TransportClose
    );
    assert_eq!(rest.await.unwrap(), ["huddle stopped"]);
}
