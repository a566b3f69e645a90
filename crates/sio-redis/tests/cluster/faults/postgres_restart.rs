//! PostgreSQL restarted, postgres adapter.

use super::*;

/// node processes while the test's own PostgreSQL is stopped (`pg_ctl stop -m fast`) for 3 s and started
/// again. NOTIFY keeps nothing: what is refused while PostgreSQL is away is an error to the caller (its
/// local part is done), and what is published before a node listens again is lost for that node.
/// Asserted: each node receives every broadcast accepted before the stop and after it listens again,
/// nothing twice, in order; after the restart every node counts the three, the sender by heartbeats sent
/// after the restart (it checks once the others' last messages before the stop are older than its
/// heartbeat timeout). The official Node adapter does not survive
/// a restart: see [`postgres_restart_kills_the_official_node_node`].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_in_traffic() {
    let mut pg = within(Duration::from_secs(60), PostgresServer::start()).await;
    let url = pg.url();
    let prefix = format!("faults-{:08x}", rand::random::<u32>());
    let options = sio_postgres::PostgresAdapterOptions {
        channel_prefix: prefix.clone(),
        heartbeat_interval: Duration::from_millis(500),
        // above the 5 s heartbeat interval of the other nodes
        heartbeat_timeout: Duration::from_secs(6),
        requests_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let factory = sio_postgres::postgres_adapter(url.as_str(), options).expect("adapter");
    let (io, _server, sender_url) = with_timeout(in_process_node(Arc::new(factory))).await;
    let args = [
        "--adapter",
        "postgres",
        "--postgres",
        url.as_str(),
        "--key",
        prefix.as_str(),
        "--requests-timeout",
        "1000",
    ];
    let rust = with_timeout(start(Rust, &args)).await;
    let rust2 = with_timeout(start(Rust, &args)).await;
    let names = ["sender (Rust, in process)", "Rust node 1", "Rust node 2"];
    let mut clients = vec![
        Client::connect(&sender_url, "/").await,
        Client::connect(&rust.url(), "/").await,
        Client::connect(&rust2.url(), "/").await,
    ];
    wait_server_count(&clients, 3, Duration::from_secs(15), "before").await;

    let log = Arc::new(Mutex::new(SendLog::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let sender = send_ticks(io.clone(), log.clone(), stop.clone());
    wait_log(&log, Duration::from_secs(10), "accepted before", |l| {
        l.accepted().len() >= BEFORE
    })
    .await;
    let stopped_at = Instant::now();
    within(Duration::from_secs(40), pg.stop()).await;
    let down_from = lock(&log).len() as u64;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let count_while_down = clients[0].call("server-count", Value::Null).await;
    within(Duration::from_secs(40), pg.start_again()).await;
    let up_from = lock(&log).len() as u64;
    // every node listens again once a broadcast made after the restart reaches it
    let mut listening_from = up_from;
    let mut early = vec![Vec::new(); clients.len()];
    for (i, client) in clients.iter_mut().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let args = client.next("tick", left).await.unwrap_or_else(|| {
                panic!("{}: no broadcast after the restart\n{}", names[i], pg.log())
            });
            let n = tick_number(&args);
            early[i].push(n);
            if n >= up_from && lock(&log).0.get(n as usize).is_some_and(|e| e.1.is_ok()) {
                listening_from = listening_from.max(n + 1);
                break;
            }
        }
    }
    wait_log(&log, Duration::from_secs(10), "accepted after", |l| {
        l.accepted_from(listening_from) >= AFTER
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    within(Duration::from_secs(10), sender)
        .await
        .expect("sender");

    let log = std::mem::take(&mut *lock(&log));
    let accepted = log.accepted();
    let refused = log.refused();
    let last = *accepted.last().expect("accepted broadcasts");
    println!(
        "sent {} (0..{}): {} accepted, {} refused {refused:?} ({}); PostgreSQL down from #{down_from}, \
         up from #{up_from}, every node listening from #{listening_from}; the sender counted \
         {count_while_down:?} servers while it was down",
        log.len(),
        log.len(),
        accepted.len(),
        refused.len(),
        log.refusals()
    );
    let before: Vec<u64> = accepted
        .iter()
        .copied()
        .filter(|n| *n < down_from)
        .collect();
    let after: Vec<u64> = accepted
        .iter()
        .copied()
        .filter(|n| *n >= listening_from)
        .collect();
    for (i, client) in clients.iter_mut().enumerate() {
        let mut got = std::mem::take(&mut early[i]);
        got.extend(ticks_until(client, last, Duration::from_secs(10)).await);
        let received = Received {
            node: names[i],
            got: &got,
        };
        println!(
            "{}: received {}, lost {:?} (accepted, not received), duplicated {:?}, refused but \
             delivered {:?}",
            names[i],
            got.len(),
            received.missing(&accepted),
            received.duplicated(),
            received.arrived(&refused)
        );
        received.assert_in_order_once();
        assert_eq!(
            received.missing(&before),
            Vec::<u64>::new(),
            "{}: lost before the stop",
            names[i]
        );
        assert_eq!(
            received.missing(&after),
            Vec::<u64>::new(),
            "{}: lost once listening again",
            names[i]
        );
        if i == 0 {
            let all: Vec<u64> = (0..log.len() as u64).collect();
            assert_eq!(
                received.missing(&all),
                Vec::<u64>::new(),
                "sender: its own clients get every broadcast, refused ones included"
            );
        }
    }
    // Heartbeats flow again: every node counts the three, and the sender, which has heard nothing from
    // the others since the stop longer ago than its heartbeat timeout, does so by their new heartbeats.
    tokio::time::sleep_until(stopped_at + Duration::from_millis(6500)).await;
    wait_server_count(&clients, 3, Duration::from_secs(15), "after").await;
}

/// The official `@socket.io/postgres-adapter` 0.5 (over `pg` 8) under a PostgreSQL restart: its listening
/// client, checked out of the pool, has no `error` listener, so the `terminating connection due to
/// administrator command` error of `pg_ctl stop -m fast` is an unhandled `error` event and the Node
/// process exits. The Rust node next to it keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_kills_the_official_node_node() {
    let mut pg = within(Duration::from_secs(60), PostgresServer::start()).await;
    let url = pg.url();
    let prefix = format!("faults-js-{:08x}", rand::random::<u32>());
    let args = [
        "--adapter",
        "postgres",
        "--postgres",
        url.as_str(),
        "--key",
        prefix.as_str(),
        "--requests-timeout",
        "1000",
    ];
    let mut node = with_timeout(start(NodeRedis, &args)).await;
    let rust = with_timeout(start(Rust, &args)).await;
    let clients = vec![
        Client::connect(&node.url(), "/").await,
        Client::connect(&rust.url(), "/").await,
    ];
    wait_server_count(&clients, 2, Duration::from_secs(15), "before").await;

    within(Duration::from_secs(40), pg.restart()).await;
    let status = node.process.wait_exit(Duration::from_secs(10)).await;
    node.process.wait_output_end(Duration::from_secs(2)).await;
    let stderr = node.process.stderr_lines().join("\n");
    println!("the Node node after the PostgreSQL restart: exit {status:?}");
    assert!(
        status.is_some_and(|s| !s.success()),
        "the official adapter survived the restart (exit {status:?}): update this test and the \
         compatibility notes\n{stderr}"
    );
    assert!(
        stderr.contains("Unhandled 'error' event")
            && stderr.contains("terminating connection due to administrator command"),
        "the Node node died of something else:\n{stderr}"
    );
    // the Rust node is still there (the main PostgreSQL test checks that it works again)
    let count = clients[1].call("server-count", Value::Null).await;
    assert!(count.as_u64().is_some_and(|n| n >= 1), "{count:?}");
}
