//! Heartbeat mode (the official `ClusterAdapterWithHeartbeat`): server count from heartbeats, nodes that
//! close or fall silent, requests resolved early; plus emitters, room events and the factory.

mod common;

use common::{eventually, next, record, setup, BusTransport, Setup};
use sio_cluster::{
    ClusterAdapterFactory, ClusterMessage, ClusterOptions, HeartbeatOptions, MessageBody,
    MessageType, TransportContext,
};
use sio_server::adapter::{Adapter, BroadcastOptions};
use sio_server::{Server, ServerConfig, Value};
use std::sync::Arc;
use std::time::Duration;

fn mt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

macro_rules! cluster_test {
    ($name:ident, $body:expr) => {
        #[test]
        fn $name() {
            mt().block_on(async { tokio::time::timeout(Duration::from_secs(30), $body).await })
                .expect("test finished in time");
        }
    };
}

fn heartbeat(interval_ms: u64, timeout_ms: u64) -> Setup {
    Setup {
        opts: ClusterOptions::default().heartbeat(HeartbeatOptions {
            interval: Duration::from_millis(interval_ms),
            timeout: Duration::from_millis(timeout_ms),
        }),
        ..Default::default()
    }
}

async fn count(c: &common::Cluster, i: usize) -> usize {
    c.adapter(i).server_count().await.unwrap()
}

cluster_test!(server_count_comes_from_heartbeats, async {
    let c = setup(heartbeat(100, 400)).await;
    for i in 0..3 {
        assert_eq!(count(&c, i).await, 3);
    }
    // Idle nodes keep sending heartbeats, so nobody is dropped after the timeout.
    tokio::time::sleep(Duration::from_millis(800)).await;
    for i in 0..3 {
        assert_eq!(count(&c, i).await, 3);
    }
    let log = c.bus.log.lock().unwrap();
    let kinds: Vec<MessageType> = log.iter().map(ClusterMessage::message_type).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == MessageType::InitialHeartbeat)
            .count(),
        3
    );
    assert!(
        kinds
            .iter()
            .filter(|k| **k == MessageType::Heartbeat)
            .count()
            >= 6
    );
});

cluster_test!(a_node_that_closes_is_dropped, async {
    let c = setup(heartbeat(100, 2000)).await;
    let closing = c.adapter(2);
    let uid = closing.uid().to_owned();
    closing.close().await.unwrap();
    eventually(|| !c.adapter(0).nodes().contains(&uid) && !c.adapter(1).nodes().contains(&uid))
        .await;
    assert_eq!(count(&c, 0).await, 2);
    let closed = c
        .bus
        .log
        .lock()
        .unwrap()
        .iter()
        .any(|m| m.uid == uid && m.body == MessageBody::AdapterClose);
    assert!(closed, "ADAPTER_CLOSE published");
});

cluster_test!(a_silent_node_is_dropped_after_the_timeout, async {
    let c = setup(heartbeat(100, 400)).await;
    let uid = c.adapter(2).uid().to_owned();
    c.bus.mute(2);
    let started = tokio::time::Instant::now();
    eventually(|| !c.adapter(0).nodes().contains(&uid)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    eventually(|| !c.adapter(1).nodes().contains(&uid)).await;
    assert_eq!(count(&c, 0).await, 2);
    assert_eq!(count(&c, 1).await, 2);
});

cluster_test!(server_side_emit_succeeds_when_a_node_leaves, async {
    let c = setup(heartbeat(100, 5000)).await;
    c.servers[1].on_server_event("hello", |_, ack| async move {
        if let Some(ack) = ack {
            ack(Value::from(2));
        }
    });
    let leaving = c.adapter(2);
    c.servers[2].on_server_event("hello", move |_, _ack| {
        let leaving = leaving.clone();
        async move {
            leaving.close().await.unwrap();
        }
    });
    let started = tokio::time::Instant::now();
    let responses = c.servers[0]
        .server_side_emit_with_ack("hello", &(), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(responses, vec![Value::from(2)]);
    assert!(started.elapsed() < Duration::from_secs(2), "resolved early");
});

cluster_test!(fetch_sockets_in_heartbeat_mode, async {
    let c = setup(heartbeat(100, 5000)).await;
    assert_eq!(c.servers[1].fetch_sockets().await.unwrap().len(), 3);
    c.bus.mute(2);
    let result = c.servers[1]
        .timeout(Duration::from_millis(200))
        .fetch_sockets()
        .await;
    let Err(error) = result else {
        panic!("node 2 cannot answer");
    };
    assert!(error
        .to_string()
        .contains("timeout reached: missing 1 responses"));
});

cluster_test!(emitter_messages_are_acted_upon_but_not_counted, async {
    let c = setup(heartbeat(100, 5000)).await;
    let mut rx: Vec<_> = c
        .clients
        .iter()
        .map(|cl| record(cl, "from-emitter"))
        .collect();
    let msg = ClusterMessage::new(
        sio_cluster::EMITTER_UID,
        "/",
        MessageBody::Broadcast {
            opts: BroadcastOptions::default(),
            event: "from-emitter".into(),
            args: vec![Value::from(7)],
            request_id: None,
        },
    );
    c.bus.inject("/", msg.encode_json().unwrap());
    for r in &mut rx {
        assert_eq!(next(r).await.args, vec![Value::from(7)]);
    }
    for i in 0..3 {
        assert_eq!(count(&c, i).await, 3);
    }
    // Garbage on the bus is dropped; the nodes go on.
    c.bus.inject("/", b"{not json".to_vec());
    c.bus.inject("/", vec![0xc1, 0x00]);
    c.servers[0].emit("from-emitter", &8).await.unwrap();
    for r in &mut rx {
        assert_eq!(next(r).await.args, vec![Value::from(8)]);
    }
});

cluster_test!(room_events_reach_the_transport, async {
    let c = setup(Setup {
        room_events: true,
        ..Default::default()
    })
    .await;
    let adapter = c.adapter(0);
    let log = || {
        adapter
            .transport()
            .rooms
            .as_ref()
            .unwrap()
            .lock()
            .unwrap()
            .clone()
    };
    let sid = c.server_sockets[0].id().to_owned();
    assert_eq!(log(), vec![("created".to_string(), sid.clone(), true)]);
    c.server_sockets[0].join(["a", "b"]);
    c.server_sockets[0].join("a");
    c.server_sockets[0].leave("a");
    c.clients[0].disconnect();
    eventually(|| log().len() == 6).await;
    let mut log = log();
    log[1..3].sort();
    log[4..6].sort();
    let event = |kind: &str, room: &str, private| (kind.to_string(), room.to_string(), private);
    let mut last = [event("deleted", "b", false), event("deleted", &sid, true)];
    last.sort();
    assert_eq!(
        log[..4],
        [
            event("created", &sid, true),
            event("created", "a", false),
            event("created", "b", false),
            event("deleted", "a", false),
        ]
    );
    assert_eq!(log[4..], last[..]);
});

cluster_test!(the_factory_makes_one_adapter_per_namespace, async {
    let bus = Arc::new(common::Bus::default());
    let mut servers = Vec::new();
    for node in 0..2 {
        let bus = bus.clone();
        let factory = ClusterAdapterFactory::new(
            move |ctx: TransportContext| BusTransport::new(bus.clone(), node, ctx, false),
            ClusterOptions::default().with_heartbeat(),
        );
        let io = Server::new(ServerConfig::default().adapter(Arc::new(factory)));
        io.of("/admin");
        servers.push(io);
    }
    for io in &servers {
        let main = io.of("/").adapter();
        let admin = io.of("/admin").adapter();
        eventually_async(|| async { main.server_count().await.unwrap() == 2 }).await;
        eventually_async(|| async { admin.server_count().await.unwrap() == 2 }).await;
    }
    let uids: std::collections::HashSet<String> = bus
        .log
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.uid.clone())
        .collect();
    assert_eq!(uids.len(), 4, "one uid per namespace and node");
    assert!(uids
        .iter()
        .all(|u| u.len() == 16 && u.chars().all(|c| c.is_ascii_hexdigit())));
});

async fn eventually_async<F, Fut>(f: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while !f().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met in time"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
