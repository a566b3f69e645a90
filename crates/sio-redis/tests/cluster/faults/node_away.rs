//! A node stopped or killed under clients with connection state recovery.

use super::*;

struct Switch {
    addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    task: JoinHandle<()>,
}

impl Switch {
    async fn start(upstream: SocketAddr) -> Switch {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let upstream = Arc::new(Mutex::new(upstream));
        let current = upstream.clone();
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                tokio::select! {
                    Ok((mut client, _)) = listener.accept() => {
                        let to = *lock(&current);
                        conns.spawn(async move {
                            // upstream gone: the client sees its connection closed
                            if let Ok(mut server) = TcpStream::connect(to).await {
                                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                            }
                        });
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
        });
        Switch {
            addr,
            upstream,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// New connections go to `to` from now on.
    fn point_to(&self, to: SocketAddr) {
        *lock(&self.upstream) = to;
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn addr_of(node: &Node) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], node.port))
}

/// A sio-client socket that reconnects by itself (quickly), recording its events and, per connection,
/// whether it recovered its session.
struct Roamer {
    socket: Socket,
    events: mpsc::UnboundedReceiver<(String, Vec<Value>)>,
    connects: mpsc::UnboundedReceiver<bool>,
}

impl Roamer {
    async fn connect(url: &str) -> Roamer {
        let options = Options::default()
            .transports(vec![TransportKind::WebSocket])
            .reconnection_delay(Duration::from_millis(100))
            .reconnection_delay_max(Duration::from_millis(200))
            .randomization_factor(0.0)
            .force_new(true);
        let socket = sio_client::io(&format!("{url}/"), options).expect("client");
        let (tx, events) = mpsc::unbounded_channel();
        socket.on_any(move |e| {
            let _ = tx.send((e.name.clone(), e.args.clone()));
        });
        let (tx, connects) = mpsc::unbounded_channel();
        let s = socket.clone();
        socket.on_connect(move || {
            let _ = tx.send(s.recovered());
        });
        with_timeout(socket.connect()).await.expect("connected");
        let mut roamer = Roamer {
            socket,
            events,
            connects,
        };
        let recovered = roamer.reconnected(Duration::from_secs(5)).await;
        assert_eq!(recovered, Some(false), "the first connection");
        roamer
    }

    /// Whether the next connection recovered the session (`None`: no connection within `limit`).
    async fn reconnected(&mut self, limit: Duration) -> Option<bool> {
        tokio::time::timeout(limit, self.connects.recv())
            .await
            .ok()
            .flatten()
    }

    async fn call(&self, event: &str, arg: Value) -> Value {
        with_timeout(self.socket.emit_with_ack::<_, Value>(event, &arg))
            .await
            .unwrap_or_else(|e| panic!("{event} failed: {e}"))
    }

    /// Every `tick` number received so far (within `wait` for more).
    async fn ticks(&mut self, wait: Duration) -> Vec<u64> {
        let deadline = Instant::now() + wait;
        let mut got = Vec::new();
        while let Ok(Some((event, args))) =
            tokio::time::timeout_at(deadline, self.events.recv()).await
        {
            if event == "tick" {
                got.push(tick_number(&args));
            }
        }
        got
    }
}

/// How node A goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Away {
    /// SIGTERM: the node closes its server (`io.close()`, reason `server shutting down`, recoverable)
    /// and exits.
    Stopped,
    /// SIGKILL: nothing is persisted.
    Killed,
}

/// A client on node A (through the switch) in a room, with data; node B broadcasts numbered ticks to
/// that room every 30 ms; A goes `away`, the switch points to B, the client reconnects there by itself.
async fn node_goes_away(a: Kind, b: Kind, away: Away) {
    let redis = RedisServer::start().await;
    let url = redis.url();
    let args = [
        "--redis",
        url.as_str(),
        "--adapter",
        "streams",
        "--recovery",
        "--requests-timeout",
        "1000",
    ];
    let mut node_a = with_timeout(start(a, &args)).await;
    let node_b = with_timeout(start(b, &args)).await;
    let switch = Switch::start(addr_of(&node_a)).await;
    let mut roamer = Roamer::connect(&switch.url()).await;
    let id = roamer.socket.id().expect("an id");
    let room = "faults-room";
    let data = value!({ "name": "roamer", "n": 7 });
    assert_eq!(
        roamer.call("join", Value::from(room)).await,
        Value::Bool(true)
    );
    assert_eq!(
        roamer.call("set-data", data.clone()).await,
        Value::Bool(true)
    );
    let helper = Client::connect(&node_b.url(), "/").await;
    wait_server_count(
        std::slice::from_ref(&helper),
        2,
        Duration::from_secs(10),
        "before",
    )
    .await;

    // B broadcasts to the room until told to stop
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(0u64));
    let broadcaster = {
        let (stop, sent) = (stop.clone(), sent.clone());
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let op = value!({ "rooms": [room], "event": "tick", "args": [n] });
                assert_eq!(helper.call("broadcast", op).await, Value::Bool(true));
                n += 1;
                *lock(&sent) = n;
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            helper
        })
    };
    // live from A first
    let mut before = Vec::new();
    let first = within(Duration::from_secs(10), async {
        while before.len() < 5 {
            before.extend(roamer.ticks(Duration::from_millis(100)).await);
        }
    });
    first.await;

    let gone_at = *lock(&sent);
    match away {
        Away::Stopped => {
            node_a.process.terminate(Duration::from_secs(5)).await;
        }
        Away::Killed => {
            node_a.process.kill().await;
        }
    }
    switch.point_to(addr_of(&node_b));
    let recovered = roamer.reconnected(Duration::from_secs(10)).await;
    let back_at = *lock(&sent);
    assert!(
        recovered.is_some(),
        "{a:?} -> {b:?} ({away:?}): the client did not reconnect to B\n{}\n{}",
        node_a.process.dump(),
        node_b.process.dump()
    );
    let new_id = roamer.socket.id().expect("an id");
    // a little more traffic after the reconnection
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let helper = within(Duration::from_secs(10), broadcaster)
        .await
        .expect("broadcaster");
    let n = *lock(&sent);
    let mut got = before;
    got.extend(roamer.ticks(Duration::from_millis(500)).await);
    let received = Received {
        node: "client",
        got: &got,
    };
    let all: Vec<u64> = (0..n).collect();
    println!(
        "{a:?} -> {b:?} ({away:?}): sent {n} ticks to the room (A went away after #{gone_at}, client \
         back on B at #{back_at}); recovered {recovered:?}, id {id} -> {new_id}; received {}, missing \
         {:?}, duplicated {:?}",
        got.len(),
        received.missing(&all),
        received.duplicated()
    );
    received.assert_in_order_once();

    let mine = |sockets: &Value| {
        sockets
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s.get("id").and_then(Value::as_str) == Some(new_id.as_str()))
            .cloned()
    };
    match away {
        Away::Stopped => {
            assert_eq!(recovered, Some(true), "the session was not recovered on B");
            assert_eq!(new_id, id, "the id after recovery");
            assert_eq!(
                received.missing(&all),
                Vec::<u64>::new(),
                "ticks lost across the move"
            );
            let sockets = helper.call("fetch", value!({ "rooms": [room] })).await;
            let me = mine(&sockets).unwrap_or_else(|| panic!("not in {room} on B: {sockets:?}"));
            let mut rooms: Vec<&str> = me
                .get("rooms")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            rooms.sort_unstable();
            let mut expected = vec![id.as_str(), room];
            expected.sort_unstable();
            assert_eq!(rooms, expected, "rooms after recovery");
            assert_eq!(me.get("data"), Some(&data), "data after recovery");
        }
        Away::Killed => {
            // A could persist nothing: B knows no such session, the client starts afresh
            assert_eq!(recovered, Some(false), "recovered a session A never stored");
            assert_ne!(new_id, id, "a fresh session keeps the old id");
            // what arrived is what A delivered before it died: a run from 0, nothing after
            let prefix: Vec<u64> = (0..got.len() as u64).collect();
            assert_eq!(got, prefix, "ticks after the kill reached a fresh session");
            let sockets = helper.call("fetch", value!({ "rooms": [room] })).await;
            assert!(
                mine(&sockets).is_none(),
                "a fresh session in {room}: {sockets:?}"
            );
            // the cluster lost a server; the client works on B again once it joins the room again
            wait_server_count(
                std::slice::from_ref(&helper),
                1,
                Duration::from_secs(10),
                "after",
            )
            .await;
            assert_eq!(
                roamer.call("join", Value::from(room)).await,
                Value::Bool(true)
            );
            let op = value!({ "rooms": [room], "event": "tick", "args": [1_000_000u64] });
            assert_eq!(helper.call("broadcast", op).await, Value::Bool(true));
            assert_eq!(
                roamer.ticks(Duration::from_millis(500)).await,
                vec![1_000_000]
            );
        }
    }
    roamer.socket.disconnect();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_rust_node_client_recovers_on_node() {
    node_goes_away(Rust, NodeRedis, Away::Stopped).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_node_node_client_recovers_on_rust() {
    node_goes_away(NodeRedis, Rust, Away::Stopped).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_rust_node_client_starts_afresh_on_node() {
    node_goes_away(Rust, NodeRedis, Away::Killed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_node_node_client_starts_afresh_on_rust() {
    node_goes_away(NodeRedis, Rust, Away::Killed).await;
}
