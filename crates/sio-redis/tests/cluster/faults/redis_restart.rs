//! Redis restarted in the middle of traffic, streams adapter.

use super::*;

/// How many entries the default stream (`socket.io`) holds.
async fn stream_len(redis: &RedisServer) -> usize {
    match within(
        Duration::from_secs(5),
        redis.command(&["XLEN", "socket.io"]),
    )
    .await
    {
        Ok(Reply::Int(n)) => n as usize,
        other => panic!("XLEN socket.io: {other:?}"),
    }
}

/// Numbered broadcasts from a Rust node while Redis (with an append-only file, fsync on every write, so
/// that the stream survives) is killed (SIGKILL) and started again 3 s later. Every broadcast whose publish succeeded reaches
/// every node exactly once and in order, the Node node (official adapter) included: each reader resumes
/// from the last entry id it read. A broadcast made while Redis is away is refused with an error to the
/// caller (its local part is done: the sender's own clients get it), and does not reach the other nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_redis_restart_loses_nothing_accepted() {
    let mut redis =
        RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"]).await;
    let url = redis.url();
    let conn = with_timeout(RedisConnection::connect(&RedisTarget::parse(&url)))
        .await
        .expect("redis");
    let options = StreamsAdapterOptions {
        block_time: Duration::from_millis(500),
        requests_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let (io, _server, sender_url) =
        with_timeout(in_process_node(Arc::new(streams_adapter(conn, options)))).await;
    let args = [
        "--redis",
        url.as_str(),
        "--adapter",
        "streams",
        "--requests-timeout",
        "1000",
    ];
    let rust = with_timeout(start(Rust, &args)).await;
    let node = with_timeout(start(NodeRedis, &args)).await;
    let names = ["sender (Rust, in process)", "Rust node", "Node node"];
    let mut clients = vec![
        Client::connect(&sender_url, "/").await,
        Client::connect(&rust.url(), "/").await,
        Client::connect(&node.url(), "/").await,
    ];
    wait_server_count(&clients, 3, Duration::from_secs(10), "before").await;

    let log = Arc::new(Mutex::new(SendLog::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let sender = send_ticks(io.clone(), log.clone(), stop.clone());
    wait_log(&log, Duration::from_secs(10), "accepted before", |l| {
        l.accepted().len() >= BEFORE
    })
    .await;
    // Redis goes away (SIGKILL) for a second, then comes back on the same port with its stream.
    redis.stop().await;
    let down_from = lock(&log).len() as u64;
    tokio::time::sleep(Duration::from_secs(3)).await;
    redis.restart().await;
    let back_from = lock(&log).len() as u64;
    wait_log(&log, Duration::from_secs(20), "accepted after", |l| {
        l.accepted_from(back_from) >= AFTER
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
    let entries = stream_len(&redis).await;
    println!(
        "sent {} (0..{}): {} accepted, {} refused {refused:?} ({}); Redis down from #{down_from}, \
         back from #{back_from}; the stream holds {entries} entries",
        log.len(),
        log.len(),
        accepted.len(),
        refused.len(),
        log.refusals()
    );
    for (i, client) in clients.iter_mut().enumerate() {
        let got = ticks_until(client, last, Duration::from_secs(15)).await;
        let received = Received {
            node: names[i],
            got: &got,
        };
        println!(
            "{}: received {}, lost {:?}, duplicated {:?}, refused but delivered {:?}",
            names[i],
            got.len(),
            received.missing(&accepted),
            received.duplicated(),
            received.arrived(&refused)
        );
        received.assert_in_order_once();
        assert_eq!(
            received.missing(&accepted),
            Vec::<u64>::new(),
            "{}: accepted broadcasts lost",
            names[i]
        );
        if i == 0 {
            // the local part of a refused broadcast is done
            assert_eq!(
                received.missing(&refused),
                Vec::<u64>::new(),
                "sender: its own clients miss refused broadcasts"
            );
        } else {
            // a reader delivers exactly the stream: what Redis kept after the restart
            assert_eq!(got.len(), entries, "{}: not the stream's entries", names[i]);
        }
        assert!(
            got.iter().all(|n| (*n as usize) < log.len()),
            "{}: numbers never sent: {got:?}",
            names[i]
        );
    }
    wait_server_count(&clients, 3, Duration::from_secs(10), "after").await;
}

/// The same with the Node node as the sender (through the contract, whose `broadcast` acknowledges before
/// the official adapter's publish settles, so the sender cannot tell what was refused): node-redis keeps
/// the `XADD`s made while Redis is away in its offline queue and sends them once it is back; the one in
/// flight when Redis dies is rejected, and the official `ClusterAdapter` only logs that (debug) and does
/// the local part anyway. Asserted: the sender's own client gets everything; the Rust node gets exactly
/// the stream's entries, in order, none twice, nothing sent before the stop or after the restart missing;
/// what went missing around the stop is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_redis_restart_with_a_node_sender() {
    let mut redis =
        RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"]).await;
    let url = redis.url();
    let args = [
        "--redis",
        url.as_str(),
        "--adapter",
        "streams",
        "--requests-timeout",
        "1000",
    ];
    let node = with_timeout(start(NodeRedis, &args)).await;
    let rust = with_timeout(start(Rust, &args)).await;
    let names = ["sender (Node node)", "Rust node"];
    let mut clients = vec![
        Client::connect(&node.url(), "/").await,
        Client::connect(&rust.url(), "/").await,
    ];
    wait_server_count(&clients, 2, Duration::from_secs(10), "before").await;
    let sender = Client::connect(&node.url(), "/").await;
    let tick = |n: u64| value!({ "event": "tick", "args": [n] });

    let mut n = 0u64;
    for _ in 0..BEFORE {
        assert_eq!(sender.call("broadcast", tick(n)).await, Value::Bool(true));
        n += 1;
        tokio::time::sleep(TICK_EVERY).await;
    }
    // the broadcasts go on while Redis is killed and started again
    let down_from = n;
    let sends = async {
        let mut n = n;
        let deadline = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < deadline {
            assert_eq!(sender.call("broadcast", tick(n)).await, Value::Bool(true));
            n += 1;
            tokio::time::sleep(TICK_EVERY).await;
        }
        n
    };
    let outage = async {
        redis.stop().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        redis.restart().await;
    };
    let (mut n, ()) = within(Duration::from_secs(20), async {
        tokio::join!(sends, outage)
    })
    .await;
    // once every node reads again (a broadcast from the Node node reaches the Rust node)
    let back_from = n;
    for _ in 0..AFTER {
        assert_eq!(sender.call("broadcast", tick(n)).await, Value::Bool(true));
        n += 1;
        tokio::time::sleep(TICK_EVERY).await;
    }
    let last = n - 1;
    let entries = stream_len(&redis).await;
    println!(
        "sent {n} (0..{n}) through the Node node; Redis down during #{down_from}..#{back_from}; the \
         stream holds {entries} entries"
    );
    for (i, client) in clients.iter_mut().enumerate() {
        let got = ticks_until(client, last, Duration::from_secs(15)).await;
        let received = Received {
            node: names[i],
            got: &got,
        };
        let sent: Vec<u64> = (0..n).collect();
        println!(
            "{}: received {}, missing {:?}, duplicated {:?}",
            names[i],
            got.len(),
            received.missing(&sent),
            received.duplicated()
        );
        received.assert_in_order_once();
        if i == 0 {
            // the official ClusterAdapter does the local part even when the publish failed
            assert_eq!(
                received.missing(&sent),
                Vec::<u64>::new(),
                "the Node sender's own client"
            );
        } else {
            // the reader delivers exactly the stream; what is missing never reached Redis: the XADD
            // in flight when Redis died was rejected by node-redis (and the caller not told)
            assert_eq!(got.len(), entries, "{}: not the stream's entries", names[i]);
            let outside: Vec<u64> = (0..down_from).chain(back_from..n).collect();
            assert_eq!(
                received.missing(&outside),
                Vec::<u64>::new(),
                "{}: lost outside the outage",
                names[i]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// 2. A node stopped or killed under clients with connection state recovery
