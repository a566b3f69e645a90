//! The other operations across three nodes (the official `cluster-adapter.ts` tests): socketsJoin,
//! socketsLeave, disconnectSockets, fetchSockets, serverSideEmit.

mod common;

use common::{eventually, next, record, setup, Cluster, Setup, WAIT};
use sio_client::DisconnectReason;
use sio_server::{AckError, Value};
use std::sync::{Arc, Mutex};
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

fn in_room(c: &Cluster, i: usize, room: &str) -> bool {
    c.server_sockets[i].rooms().iter().any(|r| r == room)
}

cluster_test!(sockets_join_makes_all_sockets_join, async {
    let c = setup(Setup::default()).await;
    c.servers[0].sockets_join("room1").await.unwrap();
    eventually(|| (0..3).all(|i| in_room(&c, i, "room1"))).await;
});

cluster_test!(sockets_join_makes_the_matching_sockets_join, async {
    let c = setup(Setup::default()).await;
    c.server_sockets[0].join("room1");
    c.server_sockets[2].join("room1");
    c.servers[0]
        .in_("room1")
        .sockets_join("room2")
        .await
        .unwrap();
    eventually(|| in_room(&c, 0, "room2") && in_room(&c, 2, "room2")).await;
    assert!(!in_room(&c, 1, "room2"));
});

cluster_test!(sockets_join_makes_the_given_socket_join, async {
    let c = setup(Setup::default()).await;
    let id = c.server_sockets[1].id().to_owned();
    c.servers[0].in_(id).sockets_join("room3").await.unwrap();
    eventually(|| in_room(&c, 1, "room3")).await;
    assert!(!in_room(&c, 0, "room3") && !in_room(&c, 2, "room3"));
});

cluster_test!(sockets_leave_makes_all_sockets_leave, async {
    let c = setup(Setup::default()).await;
    c.server_sockets[0].join("room1");
    c.server_sockets[2].join("room1");
    c.servers[0].sockets_leave("room1").await.unwrap();
    eventually(|| (0..3).all(|i| !in_room(&c, i, "room1"))).await;
});

cluster_test!(sockets_leave_makes_the_matching_sockets_leave, async {
    let c = setup(Setup::default()).await;
    c.server_sockets[0].join(["room1", "room2"]);
    c.server_sockets[1].join(["room1", "room2"]);
    c.server_sockets[2].join("room2");
    c.servers[0]
        .in_("room1")
        .sockets_leave("room2")
        .await
        .unwrap();
    eventually(|| !in_room(&c, 0, "room2") && !in_room(&c, 1, "room2")).await;
    assert!(in_room(&c, 2, "room2"));
});

cluster_test!(sockets_leave_makes_the_given_socket_leave, async {
    let c = setup(Setup::default()).await;
    for s in &c.server_sockets {
        s.join("room3");
    }
    let id = c.server_sockets[1].id().to_owned();
    c.servers[0].in_(id).sockets_leave("room3").await.unwrap();
    eventually(|| !in_room(&c, 1, "room3")).await;
    assert!(in_room(&c, 0, "room3") && in_room(&c, 2, "room3"));
});

cluster_test!(disconnect_sockets_makes_all_sockets_disconnect, async {
    let c = setup(Setup::default()).await;
    let mut rx: Vec<_> = c
        .clients
        .iter()
        .map(|cl| record(cl, "disconnect"))
        .collect();
    c.servers[0].disconnect_sockets(true).await.unwrap();
    for r in &mut rx {
        let e = next(r).await;
        assert_eq!(
            e.args,
            vec![Value::from(DisconnectReason::IoServerDisconnect.as_str())]
        );
    }
});

cluster_test!(fetch_sockets_returns_all_sockets, async {
    let c = setup(Setup::default()).await;
    let sockets = c.servers[0].fetch_sockets().await.unwrap();
    let mut ids: Vec<&str> = sockets.iter().map(|s| s.id()).collect();
    ids.sort();
    let mut expected: Vec<&str> = c.server_sockets.iter().map(|s| s.id()).collect();
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(c.adapter(0).pending_requests(), 0, "request cleaned up");
});

cluster_test!(fetch_sockets_returns_a_single_socket, async {
    let c = setup(Setup::default()).await;
    c.server_sockets[1].set_data("test").unwrap();
    let id = c.server_sockets[1].id().to_owned();
    let sockets = c.servers[0].in_(id.as_str()).fetch_sockets().await.unwrap();
    assert_eq!(sockets.len(), 1);
    let remote = &sockets[0];
    assert_eq!(remote.id(), id);
    assert_eq!(remote.handshake(), c.server_sockets[1].handshake());
    assert_eq!(remote.data_value(), &Value::from("test"));
    assert_eq!(remote.rooms(), &[id]);
});

cluster_test!(fetch_sockets_returns_only_local_sockets, async {
    let c = setup(Setup::default()).await;
    let sockets = c.servers[0].local().fetch_sockets().await.unwrap();
    assert_eq!(sockets.len(), 1);
    assert_eq!(sockets[0].id(), c.server_sockets[0].id());
});

cluster_test!(fetch_sockets_times_out_when_a_node_stays_silent, async {
    let c = setup(Setup::default()).await;
    // Node 2's answers are lost; the bus still counts it.
    c.bus.mute(2);
    let started = tokio::time::Instant::now();
    let result = c.servers[0]
        .timeout(Duration::from_millis(300))
        .fetch_sockets()
        .await;
    let Err(error) = result else {
        panic!("expected a timeout");
    };
    assert!(
        error
            .to_string()
            .contains("timeout reached: only 1 responses received out of 2"),
        "{error}"
    );
    assert!(started.elapsed() < WAIT);
    assert_eq!(c.adapter(0).pending_requests(), 0);
});

/// Records the server-side events `hello` node `i` receives; answers them with `answer` when given.
fn on_hello(c: &Cluster, i: usize, answer: Option<Value>) -> Arc<Mutex<Vec<Vec<Value>>>> {
    let seen: Arc<Mutex<Vec<Vec<Value>>>> = Arc::default();
    let seen2 = seen.clone();
    c.servers[i].on_server_event("hello", move |args, ack| {
        seen2.lock().unwrap().push(args);
        let answer = answer.clone();
        async move {
            if let (Some(ack), Some(answer)) = (ack, answer) {
                ack(answer);
            }
        }
    });
    seen
}

cluster_test!(server_side_emit_reaches_the_other_nodes, async {
    let c = setup(Setup::default()).await;
    let seen: Vec<_> = (0..3).map(|i| on_hello(&c, i, None)).collect();
    c.servers[0]
        .server_side_emit("hello", &("world", 1, "2"))
        .await
        .unwrap();
    eventually(|| seen[1].lock().unwrap().len() == 1 && seen[2].lock().unwrap().len() == 1).await;
    let expected = vec![Value::from("world"), Value::from(1), Value::from("2")];
    assert_eq!(seen[1].lock().unwrap()[0], expected);
    tokio::time::sleep(common::QUIET).await;
    assert!(
        seen[0].lock().unwrap().is_empty(),
        "not delivered to itself"
    );
});

cluster_test!(
    server_side_emit_with_ack_collects_one_answer_per_node,
    async {
        let c = setup(Setup::default()).await;
        let seen0 = on_hello(&c, 0, Some(Value::from(1)));
        on_hello(&c, 1, Some(Value::from(2)));
        on_hello(&c, 2, Some(Value::from("3")));
        let responses = c.servers[0]
            .server_side_emit_with_ack("hello", &(), Duration::from_secs(2))
            .await
            .unwrap();
        assert_eq!(responses.len(), 2);
        assert!(responses.contains(&Value::from(2)) && responses.contains(&Value::from("3")));
        assert!(seen0.lock().unwrap().is_empty());
        assert_eq!(c.adapter(0).pending_requests(), 0);
    }
);

cluster_test!(
    server_side_emit_with_ack_times_out_with_partial_answers,
    async {
        let c = setup(Setup::default()).await;
        on_hello(&c, 1, Some(Value::from(2)));
        on_hello(&c, 2, None);
        let result = c.servers[0]
            .server_side_emit_with_ack("hello", &(), Duration::from_millis(300))
            .await;
        let Err(AckError::Timeout { responses, timeout }) = result else {
            panic!("expected a timeout, got {result:?}");
        };
        assert_eq!(timeout, Duration::from_millis(300));
        assert_eq!(responses, vec![Value::from(2)]);
        assert_eq!(c.adapter(0).pending_requests(), 0);
    }
);

cluster_test!(all_sockets_spans_the_cluster, async {
    let c = setup(Setup::default()).await;
    c.server_sockets[2].join("r");
    let ids = c.servers[0].in_("r").all_sockets().await.unwrap();
    assert_eq!(ids, vec![c.server_sockets[2].id().to_owned()]);
});
