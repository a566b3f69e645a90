//! The adapter trait carries every server-side operation: two servers in one process, joined by a test
//! cluster adapter that wraps the in-memory adapter (as a Redis adapter would), act as one cluster.

mod common;

use common::raw::Raw;
use futures_util::future::BoxFuture;
use sio_protocol::socket::Packet;
use sio_server::adapter::{
    AckCollector, Adapter, AdapterFactory, BroadcastOptions, InMemoryAdapter, NamespaceHandle,
    Room, SocketDetails, SocketId,
};
use sio_server::{AckError, AdapterError, Server, ServerConfig, Socket, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The "network": every node's local adapter, by namespace.
#[derive(Default)]
struct Bus {
    nodes: Mutex<Vec<(usize, String, Arc<InMemoryAdapter>)>>,
}

impl Bus {
    fn others(&self, node: usize, nsp: &str) -> Vec<Arc<InMemoryAdapter>> {
        self.nodes
            .lock()
            .unwrap()
            .iter()
            .filter(|(n, name, _)| *n != node && name == nsp)
            .map(|(_, _, a)| a.clone())
            .collect()
    }
}

struct ClusterFactory {
    node: usize,
    bus: Arc<Bus>,
}

impl AdapterFactory for ClusterFactory {
    fn create(&self, nsp: NamespaceHandle) -> Arc<dyn Adapter> {
        let local = Arc::new(InMemoryAdapter::new(nsp.clone()));
        self.bus
            .nodes
            .lock()
            .unwrap()
            .push((self.node, nsp.name().to_owned(), local.clone()));
        Arc::new(ClusterAdapter {
            node: self.node,
            nsp: nsp.name().to_owned(),
            local,
            bus: self.bus.clone(),
        })
    }
}

struct ClusterAdapter {
    node: usize,
    nsp: String,
    local: Arc<InMemoryAdapter>,
    bus: Arc<Bus>,
}

impl ClusterAdapter {
    fn remote(&self, opts: &BroadcastOptions) -> Vec<Arc<InMemoryAdapter>> {
        if opts.flags.local {
            Vec::new()
        } else {
            self.bus.others(self.node, &self.nsp)
        }
    }
}

impl Adapter for ClusterAdapter {
    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        let n = self.bus.others(self.node, &self.nsp).len() + 1;
        Box::pin(async move { Ok(n) })
    }
    fn add_all(&self, id: &str, rooms: &[Room]) {
        self.local.add_all(id, rooms)
    }
    fn del(&self, id: &str, room: &str) {
        self.local.del(id, room)
    }
    fn del_all(&self, id: &str) {
        self.local.del_all(id)
    }
    fn socket_rooms(&self, id: &str) -> Option<Vec<Room>> {
        self.local.socket_rooms(id)
    }
    fn sockets(&self, rooms: HashSet<Room>) -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>> {
        Box::pin(async move {
            let mut ids = self.local.sockets(rooms.clone()).await?;
            for other in self.bus.others(self.node, &self.nsp) {
                ids.extend(other.sockets(rooms.clone()).await?);
            }
            Ok(ids)
        })
    }
    fn broadcast(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            for other in self.remote(&opts) {
                other.broadcast_local(&packet, &opts)?;
            }
            self.local.broadcast_local(&packet, &opts)
        })
    }
    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
        acks: AckCollector,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            for other in self.remote(&opts) {
                other.broadcast_with_ack_local(&packet, &opts, &acks)?;
            }
            self.local.broadcast_with_ack_local(&packet, &opts, &acks)
        })
    }
    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketDetails>, AdapterError>> {
        Box::pin(async move {
            let mut all = self.local.fetch_sockets_local(&opts);
            for other in self.remote(&opts) {
                all.extend(other.fetch_sockets_local(&opts));
            }
            Ok(all)
        })
    }
    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            for other in self.remote(&opts) {
                other.add_sockets_local(&opts, &rooms);
            }
            self.local.add_sockets_local(&opts, &rooms);
            Ok(())
        })
    }
    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            for other in self.remote(&opts) {
                other.del_sockets_local(&opts, &rooms);
            }
            self.local.del_sockets_local(&opts, &rooms);
            Ok(())
        })
    }
    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            for other in self.remote(&opts) {
                other.disconnect_sockets_local(&opts, close);
            }
            self.local.disconnect_sockets_local(&opts, close);
            Ok(())
        })
    }
    fn server_side_emit(
        &self,
        event: String,
        args: Vec<Value>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            for other in self.bus.others(self.node, &self.nsp) {
                other
                    .namespace()
                    .server_side_emit_received(&event, args.clone(), None);
            }
            Ok(())
        })
    }
    fn server_side_emit_with_ack(
        &self,
        event: String,
        args: Vec<Value>,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<Vec<Value>, AckError>> {
        Box::pin(async move {
            let others = self.bus.others(self.node, &self.nsp);
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            for other in &others {
                let tx = tx.clone();
                other.namespace().server_side_emit_received(
                    &event,
                    args.clone(),
                    Some(Box::new(move |v| {
                        let _ = tx.send(v);
                    })),
                );
            }
            let mut responses = Vec::new();
            while responses.len() < others.len() {
                match tokio::time::timeout(timeout, rx.recv()).await {
                    Ok(Some(v)) => responses.push(v),
                    _ => return Err(AckError::Timeout { timeout, responses }),
                }
            }
            Ok(responses)
        })
    }
}

async fn node(bus: &Arc<Bus>, id: usize) -> (Server, std::net::SocketAddr) {
    let io = Server::new(ServerConfig::default().adapter(Arc::new(ClusterFactory {
        node: id,
        bus: bus.clone(),
    })));
    io.on_connection(|socket: Socket| async move {
        socket.on(
            "join",
            |s: Socket, room: String| async move { s.join(room) },
        );
    });
    io.on_server_event("ping", move |args: Vec<Value>, ack| async move {
        if let Some(ack) = ack {
            ack(Value::from(format!("pong from {id}: {}", args.len())));
        }
    });
    let (server, addr) = common::start(&io).await;
    std::mem::forget(server);
    (io, addr)
}

/// Reads the next event text, answering any ack request with `answer`.
async fn next_event(raw: &mut Raw, answer: &str) -> String {
    loop {
        let text = raw.next_text().await;
        if let Some(rest) = text.strip_prefix("42") {
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            if !digits.is_empty() {
                raw.send(&format!("43{digits}[\"{answer}\"]")).await;
            }
            return rest[digits.len()..].to_owned();
        }
        if text == "41" {
            return text;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_side_operation_reaches_the_other_server() {
    let bus = Arc::new(Bus::default());
    let (a, addr_a) = node(&bus, 1).await;
    let (_b, addr_b) = node(&bus, 2).await;
    let (mut ca, id_a) = Raw::connected(addr_a).await;
    let (mut cb, id_b) = Raw::connected(addr_b).await;

    // broadcast from A reaches both
    a.emit("hello", "all").await.unwrap();
    assert_eq!(next_event(&mut ca, "").await, r#"["hello","all"]"#);
    assert_eq!(next_event(&mut cb, "").await, r#"["hello","all"]"#);

    // rooms on B, addressed from A; local() stays on A
    cb.send(r#"42["join","room-b"]"#).await;
    let ids = loop {
        let ids = a.in_("room-b").all_sockets().await.unwrap();
        if !ids.is_empty() {
            break ids;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(ids, vec![id_b.clone()]);
    a.to("room-b").emit("room", &1).await.unwrap();
    assert_eq!(next_event(&mut cb, "").await, r#"["room",1]"#);
    a.local().emit("local-only", &2).await.unwrap();
    assert_eq!(next_event(&mut ca, "").await, r#"["local-only",2]"#);

    // fetch_sockets sees both; a remote handle emits to B's socket
    let sockets = a.fetch_sockets().await.unwrap();
    let mut ids: Vec<&str> = sockets.iter().map(|s| s.id()).collect();
    ids.sort();
    let mut expected = vec![id_a.as_str(), id_b.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    let remote_b = sockets.iter().find(|s| s.id() == id_b).unwrap();
    assert!(remote_b.rooms().contains(&"room-b".to_string()));
    remote_b.emit("direct", "to b").await.unwrap();
    assert_eq!(next_event(&mut cb, "").await, r#"["direct","to b"]"#);

    // broadcast with ack: one answer per client on both servers, one shared id
    let op = a.timeout(Duration::from_secs(5));
    let pending = tokio::spawn(async move { op.emit_with_ack::<_, String>("ask", &()).await });
    let ask_a = next_event(&mut ca, "from a").await;
    let ask_b = next_event(&mut cb, "from b").await;
    assert_eq!(ask_a, r#"["ask"]"#);
    assert_eq!(ask_b, r#"["ask"]"#);
    let mut answers = pending.await.unwrap().unwrap();
    answers.sort();
    assert_eq!(answers, vec!["from a".to_string(), "from b".to_string()]);

    // server-side emit with ack: B answers
    let responses = a
        .server_side_emit_with_ack("ping", &(1, 2), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(responses, vec![Value::from("pong from 2: 2")]);

    // sockets_join / sockets_leave on B's socket from A
    a.in_(id_b.as_str())
        .sockets_join("joined-remotely")
        .await
        .unwrap();
    let rooms = a.in_(id_b.as_str()).fetch_sockets().await.unwrap()[0]
        .rooms()
        .to_vec();
    assert!(rooms.contains(&"joined-remotely".to_string()));
    a.in_(id_b.as_str())
        .sockets_leave("joined-remotely")
        .await
        .unwrap();
    let rooms = a.in_(id_b.as_str()).fetch_sockets().await.unwrap()[0]
        .rooms()
        .to_vec();
    assert!(!rooms.contains(&"joined-remotely".to_string()));

    // disconnect_sockets from A disconnects B's client
    a.in_("room-b").disconnect_sockets(false).await.unwrap();
    assert_eq!(next_event(&mut cb, "").await, "41");
}
