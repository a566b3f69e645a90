//! Broadcasts across three nodes (the official `cluster-adapter.ts` broadcast tests): every target, acks,
//! and the offsets of connection state recovery.

mod common;

use bytes::Bytes;
use common::{next, nothing, record, setup, Setup};
use sio_server::{AckError, ConnectionStateRecovery, ServerConfig, Value};
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

cluster_test!(broadcasts_to_all_clients, async {
    let c = setup(Setup::default()).await;
    let mut rx: Vec<_> = c.clients.iter().map(|cl| record(cl, "test")).collect();
    let payload = (1, "2", Bytes::from_static(&[3, 4]));
    c.servers[0].emit("test", &payload).await.unwrap();
    for r in &mut rx {
        let e = next(r).await;
        assert_eq!(
            e.args,
            vec![
                Value::from(1),
                Value::from("2"),
                Value::Binary(Bytes::from_static(&[3, 4]))
            ]
        );
    }
    for r in &mut rx {
        nothing(r).await;
    }
});

cluster_test!(broadcasts_to_all_clients_in_a_namespace, async {
    let c = setup(Setup::default()).await;
    let mut main: Vec<_> = c.clients.iter().map(|cl| record(cl, "test")).collect();
    for io in &c.servers {
        io.of("/custom");
    }
    let mut custom = Vec::new();
    for client in &c.clients {
        let socket = client.manager().socket("/custom", None);
        custom.push(record(&socket, "test"));
        tokio::time::timeout(common::WAIT, socket.connect())
            .await
            .unwrap()
            .unwrap();
    }
    c.servers[0].of("/custom").emit("test", &()).await.unwrap();
    for r in &mut custom {
        assert_eq!(next(r).await.args, Vec::<Value>::new());
    }
    for r in &mut main {
        nothing(r).await;
    }
});

cluster_test!(broadcasts_to_all_clients_in_a_room, async {
    let c = setup(Setup::default()).await;
    let mut rx: Vec<_> = c.clients.iter().map(|cl| record(cl, "test")).collect();
    c.server_sockets[1].join("room1");
    c.servers[0].to("room1").emit("test", &()).await.unwrap();
    next(&mut rx[1]).await;
    nothing(&mut rx[0]).await;
    nothing(&mut rx[2]).await;
});

cluster_test!(broadcasts_to_all_clients_except_in_room, async {
    let c = setup(Setup::default()).await;
    let mut rx: Vec<_> = c.clients.iter().map(|cl| record(cl, "test")).collect();
    c.server_sockets[1].join("room1");
    c.servers[0]
        .except("room1")
        .emit("test", &())
        .await
        .unwrap();
    next(&mut rx[0]).await;
    next(&mut rx[2]).await;
    nothing(&mut rx[1]).await;
});

cluster_test!(broadcasts_once_to_a_socket_in_several_rooms, async {
    let c = setup(Setup::default()).await;
    let mut rx: Vec<_> = c.clients.iter().map(|cl| record(cl, "test")).collect();
    c.server_sockets[0].join("room1");
    c.server_sockets[1].join(["room1", "room2"]);
    c.server_sockets[2].join("room2");
    c.servers[0]
        .to(["room1", "room2"])
        .emit("test", &())
        .await
        .unwrap();
    for r in &mut rx {
        next(r).await;
    }
    for r in &mut rx {
        nothing(r).await;
    }
});

cluster_test!(broadcasts_to_local_clients_only, async {
    let c = setup(Setup::default()).await;
    let mut rx: Vec<_> = c.clients.iter().map(|cl| record(cl, "test")).collect();
    c.servers[0].local().emit("test", &()).await.unwrap();
    next(&mut rx[0]).await;
    nothing(&mut rx[1]).await;
    nothing(&mut rx[2]).await;
    let published = c.bus.log.lock().unwrap().len();
    assert_eq!(published, 0, "a local broadcast is not published");
});

cluster_test!(broadcasts_to_a_single_socket_id, async {
    let c = setup(Setup::default()).await;
    let mut rx: Vec<_> = c.clients.iter().map(|cl| record(cl, "test")).collect();
    let id = c.server_sockets[2].id().to_owned();
    c.servers[0].to(id).emit("test", "only").await.unwrap();
    assert_eq!(next(&mut rx[2]).await.args, vec![Value::from("only")]);
    nothing(&mut rx[0]).await;
    nothing(&mut rx[1]).await;
});

/// Makes client `i` answer "test" with `answer` (or never, when `None`).
fn answer(c: &common::Cluster, i: usize, answer: Option<Value>) {
    c.clients[i].on("test", move |e| {
        if let Some(a) = &answer {
            e.ack(a).unwrap();
        }
    });
}

cluster_test!(broadcasts_with_multiple_acknowledgements, async {
    let c = setup(Setup::default()).await;
    for i in 0..3 {
        answer(&c, i, Some(Value::from(i + 1)));
    }
    let mut responses: Vec<u64> = c.servers[0]
        .timeout(Duration::from_millis(500))
        .emit_with_ack("test", &())
        .await
        .unwrap();
    responses.sort();
    assert_eq!(responses, vec![1, 2, 3]);
    // The request entry goes once the timeout passed.
    assert_eq!(c.adapter(0).pending_requests(), 1);
    common::eventually(|| c.adapter(0).pending_requests() == 0).await;
});

cluster_test!(broadcasts_with_multiple_acknowledgements_binary, async {
    let c = setup(Setup::default()).await;
    for i in 0..3u8 {
        answer(&c, i as usize, Some(Value::Binary(Bytes::from(vec![i]))));
    }
    let responses: Vec<Value> = c.servers[0]
        .timeout(Duration::from_secs(2))
        .emit_with_ack("test", &())
        .await
        .unwrap();
    assert_eq!(responses.len(), 3);
    let mut bytes: Vec<u8> = responses
        .iter()
        .map(|r| r.as_bytes().expect("binary answer")[0])
        .collect();
    bytes.sort();
    assert_eq!(bytes, vec![0, 1, 2]);
});

cluster_test!(broadcasts_with_multiple_acknowledgements_no_client, async {
    let c = setup(Setup::default()).await;
    let started = tokio::time::Instant::now();
    let responses: Vec<Value> = c.servers[0]
        .to("abc")
        .timeout(Duration::from_secs(3))
        .emit_with_ack("test", &())
        .await
        .unwrap();
    assert!(responses.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "every node reported 0 clients"
    );
});

cluster_test!(broadcasts_with_multiple_acknowledgements_timeout, async {
    let c = setup(Setup::default()).await;
    answer(&c, 0, Some(Value::from(1)));
    answer(&c, 1, Some(Value::from(2)));
    answer(&c, 2, None);
    let result = c.servers[0]
        .timeout(Duration::from_millis(300))
        .emit_with_ack::<_, Value>("test", &())
        .await;
    let Err(AckError::Timeout { mut responses, .. }) = result else {
        panic!("expected a timeout, got {result:?}");
    };
    responses.sort_by_key(|v| v.as_u64());
    assert_eq!(responses, vec![Value::from(1), Value::from(2)]);
});

cluster_test!(broadcasts_with_a_single_acknowledgement_remote, async {
    let c = setup(Setup::default()).await;
    answer(&c, 1, Some(Value::from(2)));
    let id = c.server_sockets[1].id().to_owned();
    let sockets = c.servers[0].in_(id).fetch_sockets().await.unwrap();
    assert_eq!(sockets.len(), 1);
    let answer: u64 = sockets[0]
        .emit_with_ack("test", &(), Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(answer, 2);
});

fn recovery() -> ServerConfig {
    ServerConfig::default().connection_state_recovery(ConnectionStateRecovery::default())
}

cluster_test!(recovery_appends_the_transport_offset, async {
    let c = setup(Setup {
        config: Some(recovery),
        ..Default::default()
    })
    .await;
    let mut rx: Vec<_> = c.clients.iter().map(|cl| record(cl, "test")).collect();
    c.servers[1].emit("test", "x").await.unwrap();
    let mut offsets = Vec::new();
    for r in &mut rx {
        let e = next(r).await;
        assert_eq!(e.args.len(), 2, "the offset is appended: {:?}", e.args);
        assert_eq!(e.args[0], Value::from("x"));
        offsets.push(e.args[1].clone());
    }
    // The sender and the receivers use the offset the transport gave the message.
    assert!(offsets.iter().all(|o| o == &offsets[0]));
    assert!(offsets[0].as_str().unwrap().ends_with("-0"));
    // Volatile packets carry no offset.
    c.servers[1].volatile().emit("test", "v").await.unwrap();
    for r in &mut rx {
        assert_eq!(next(r).await.args, vec![Value::from("v")]);
    }
});
