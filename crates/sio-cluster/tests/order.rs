//! A socket's emits through a cluster adapter (connection state recovery on) reach its client in the
//! order they were made, even when the transport takes them in another order.

mod common;

use common::{client_options, next, record, WAIT};
use futures_util::future::BoxFuture;
use sio_cluster::{
    ClusterAdapterFactory, ClusterMessage, ClusterOptions, Offset, Transport, TransportContext,
};
use sio_server::{AdapterError, Server, ServerConfig, Socket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A transport alone in its cluster whose publications take less time the later they come: the first of
/// three is taken last.
struct SlowFirst {
    published: Arc<AtomicU64>,
}

impl Transport for SlowFirst {
    fn publish(&self, _msg: ClusterMessage) -> BoxFuture<'_, Result<Option<Offset>, AdapterError>> {
        let n = self.published.fetch_add(1, Ordering::SeqCst);
        let delay = Duration::from_millis(60u64.saturating_sub(n % 3 * 30));
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            Ok(None)
        })
    }

    fn publish_response(
        &self,
        _: String,
        _: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emits_keep_their_order() {
    let published = Arc::new(AtomicU64::new(0));
    let transports = {
        let published = published.clone();
        move |_: TransportContext| SlowFirst {
            published: published.clone(),
        }
    };
    let factory = ClusterAdapterFactory::new(transports, ClusterOptions::default());
    let config = ServerConfig::default()
        .adapter(Arc::new(factory))
        .connection_state_recovery(Default::default());
    let io = Server::new(config);
    io.on_connection(|socket: Socket| async move {
        socket.on("go", |s: Socket, _: Vec<sio_server::Value>| async move {
            for n in 0..9 {
                let _ = s.emit("n", &n);
            }
        });
    });
    let server = io.listen("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", server.local_addr());
    let client = sio_client::io(&url, client_options()).unwrap();
    let mut received = record(&client, "n");
    tokio::time::timeout(WAIT, client.connect())
        .await
        .unwrap()
        .unwrap();
    client.emit("go", &()).unwrap();
    let mut order = Vec::new();
    for _ in 0..9 {
        let event = next(&mut received).await;
        order.push(event.args[0].as_u64().unwrap());
    }
    assert_eq!(order, (0..9).collect::<Vec<_>>());
    server.shutdown().await;
}
