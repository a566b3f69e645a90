//! `sio serve --redis URL --adapter A`: the sio-redis adapter that joins the server to a cluster, with the
//! official adapters' default options (key and channel prefix `socket.io`).

use crate::cli::Adapter;
use crate::failure::Failure;
use sio_redis::{
    sharded_adapter, streams_adapter, RedisAdapterFactory, RedisAdapterOptions, RedisConnection,
    RedisTarget, ShardedAdapterOptions, StreamsAdapterOptions,
};
use sio_server::adapter::AdapterFactory;
use std::sync::Arc;

/// Connects to Redis at `url` and builds the adapter factory.
pub async fn adapter(url: &str, adapter: Adapter) -> Result<Arc<dyn AdapterFactory>, Failure> {
    let conn = RedisConnection::connect(&RedisTarget::parse(url))
        .await
        .map_err(|e| Failure::failed(format!("cannot connect to Redis at {url}: {e}")))?;
    Ok(match adapter {
        Adapter::Classic => Arc::new(RedisAdapterFactory::new(
            conn,
            RedisAdapterOptions::default(),
        )),
        Adapter::Sharded => Arc::new(sharded_adapter(conn, ShardedAdapterOptions::default())),
        Adapter::Streams => Arc::new(streams_adapter(conn, StreamsAdapterOptions::default())),
    })
}
