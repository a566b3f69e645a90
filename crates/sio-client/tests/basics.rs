//! Interop basics against the official Node server and sio-server: connect, events, acks, binary, namespaces, over every transport.

mod common;

use bytes::Bytes;
use common::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sio_client::{io, EngineEvent, Manager, TransportKind, Value};
use std::time::Duration;

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
struct Blob {
    name: String,
    #[serde(with = "bytes_as_binary")]
    data: Bytes,
    nested: Vec<Inner>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
struct Inner {
    #[serde(with = "bytes_as_binary")]
    bin: Bytes,
}

mod bytes_as_binary {
    use bytes::Bytes;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(b)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        let v = sio_client::Value::deserialize(d)?;
        match v {
            sio_client::Value::Binary(b) => Ok(b),
            other => Err(serde::de::Error::custom(format!(
                "expected binary, got {other:?}"
            ))),
        }
    }
}

async fn connect_events_acks_and_binary_over_every_transport() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    for mode in MODES {
        let socket = io(&server.url("/"), options(mode)).unwrap();
        let mut welcome = Events::new();
        let tx = welcome.tx.clone();
        socket.on("welcome", move |e| {
            let _ = tx.send(e.data::<(String, String)>().unwrap());
        });
        let mut upgraded = Events::new();
        let tx = upgraded.tx.clone();
        socket.manager().on_engine("upgrade", move |e| {
            if let EngineEvent::Upgrade(t) = e {
                let _ = tx.send(t);
            }
        });
        assert!(socket.disconnected());
        socket.connect().await.unwrap();
        assert!(socket.connected() && socket.active(), "{mode:?}");
        let id = socket.id().expect("id after connect");
        assert_eq!(id.len(), 20);
        let (nsp, server_id) = welcome.next().await;
        assert_eq!((nsp.as_str(), server_id.as_str()), ("/", id.as_str()));

        // several arguments, typed answer
        let (a, b, c): (String, u32, Vec<bool>) = socket
            .emit_with_ack("echo", &("x", 7u32, vec![true, false]))
            .await
            .unwrap();
        assert_eq!((a.as_str(), b, c), ("x", 7, vec![true, false]));

        // binary nested in objects, both ways
        let blob = Blob {
            name: "file".into(),
            data: Bytes::from_static(&[0, 1, 2, 255]),
            nested: vec![Inner {
                bin: Bytes::from_static(b"deep"),
            }],
        };
        let back: (Blob, String) = socket
            .emit_with_ack("echo", &(blob.clone(), "after"))
            .await
            .unwrap();
        assert_eq!(back, (blob.clone(), "after".to_string()));

        // plain emit, the server answers with an event
        let mut echoed = Events::new();
        let tx = echoed.tx.clone();
        socket.once("echo", move |e| {
            let _ = tx.send(e.args);
        });
        socket
            .emit("echo", &(1, Bytes::from_static(&[9, 9])))
            .unwrap();
        assert_eq!(
            echoed.next().await,
            vec![Value::from(1), Value::Binary(Bytes::from_static(&[9, 9]))]
        );

        let info: Value = socket.emit_with_ack("info", &()).await.unwrap();
        let expected = match mode {
            Mode::Polling => "polling",
            _ => "websocket",
        };
        if mode == Mode::Upgrade {
            assert_eq!(upgraded.next().await, TransportKind::WebSocket);
            let engine = socket.manager().engine().unwrap();
            assert_eq!(engine.transport(), TransportKind::WebSocket);
            // the server sees the websocket once the upgrade is done
            let info: Value = socket.emit_with_ack("info", &()).await.unwrap();
            assert_eq!(
                info.get("transport").and_then(Value::as_str),
                Some(expected)
            );
        } else {
            assert_eq!(
                info.get("transport").and_then(Value::as_str),
                Some(expected)
            );
        }
        socket.disconnect();
    }
}

async fn namespaces_share_one_engine_and_managers_are_cached() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    let opts = sio_client::Options::default().transports(vec![TransportKind::WebSocket]);
    let main = io(&server.url("/"), opts.clone()).unwrap();
    let admin = io(&server.url("/admin?k=v"), opts.clone()).unwrap();
    main.connect().await.unwrap();
    admin.connect().await.unwrap();
    let e1 = main.manager().engine().unwrap();
    let e2 = admin.manager().engine().unwrap();
    assert_eq!(e1.id(), e2.id(), "one engine for both namespaces");
    let info: Value = admin.emit_with_ack("info", &()).await.unwrap();
    assert_eq!(info.get("nsp").and_then(Value::as_str), Some("/admin"));
    // the same namespace again gets a new manager (official behaviour)
    let again = io(&server.url("/"), opts.clone()).unwrap();
    again.connect().await.unwrap();
    assert_ne!(again.manager().engine().unwrap().id(), e1.id());
    // force_new always gets a new connection
    let forced = io(&server.url("/admin"), opts.clone().force_new(true)).unwrap();
    forced.connect().await.unwrap();
    assert_ne!(forced.manager().engine().unwrap().id(), e1.id());

    // explicit manager with two sockets
    let m = Manager::new(&server.url(""), opts).unwrap();
    let a = m.socket("/", None);
    let b = m.socket("admin", None);
    a.connect().await.unwrap();
    b.connect().await.unwrap();
    assert_eq!(b.nsp(), "/admin");
    assert_eq!(m.engine().unwrap().id(), m.engine().unwrap().id());
    // closing the last active socket closes the engine
    let mut closed = Events::new();
    let tx = closed.tx.clone();
    m.on("close", move |e| {
        let _ = tx.send(e);
    });
    a.disconnect();
    let early = tokio::time::timeout(Duration::from_millis(500), closed.next()).await;
    assert!(early.is_err(), "{early:?}");
    assert!(m.engine().is_some());
    b.disconnect();
    match closed.next().await {
        sio_client::ManagerEvent::Close(r) => assert_eq!(r.as_str(), "forced close"),
        other => panic!("{other:?}"),
    }
    for s in [main, admin, again, forced] {
        s.disconnect();
    }
}

async fn the_server_sees_a_clean_client_disconnect() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    let observer = io(&server.url("/"), options(Mode::WebSocket)).unwrap();
    observer.connect().await.unwrap();
    for mode in MODES {
        let socket = io(&server.url("/"), options(mode)).unwrap();
        socket.connect().await.unwrap();
        let id = socket.id().unwrap();
        let engine = socket.manager().engine().unwrap();
        socket.disconnect();
        tokio::time::timeout(WAIT, engine.closed()).await.unwrap();
        let mut reason = Value::Null;
        for _ in 0..100 {
            reason = observer.emit_with_ack("reason-of", &id).await.unwrap();
            if !reason.is_null() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            reason.as_str(),
            Some("client namespace disconnect"),
            "{mode:?}"
        );
    }
    observer.disconnect();
}

/// A DISCONNECT written while a POST is still running waits for it, and the CLOSE packet goes in a POST of its
/// own: in the same payload the official server would handle the CLOSE first and report `transport close`.
async fn a_disconnect_right_after_an_emit_is_seen_by_the_server() {
    init_tracing();
    let server = NodeServer::start(json!({})).await;
    let observer = io(&server.url("/"), options(Mode::WebSocket)).unwrap();
    observer.connect().await.unwrap();
    for mode in MODES {
        let socket = io(&server.url("/"), options(mode)).unwrap();
        socket.connect().await.unwrap();
        let id = socket.id().unwrap();
        let engine = socket.manager().engine().unwrap();
        socket.emit("echo", &(1,)).unwrap();
        socket.disconnect();
        tokio::time::timeout(WAIT, engine.closed()).await.unwrap();
        let mut reason = Value::Null;
        for _ in 0..100 {
            reason = observer.emit_with_ack("reason-of", &id).await.unwrap();
            if !reason.is_null() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            reason.as_str(),
            Some("client namespace disconnect"),
            "{mode:?}"
        );
    }
    observer.disconnect();
}

interop_tests!(
    connect_events_acks_and_binary_over_every_transport,
    namespaces_share_one_engine_and_managers_are_cached,
    the_server_sees_a_clean_client_disconnect,
    a_disconnect_right_after_an_emit_is_seen_by_the_server,
);
