//! Test infrastructure for the Redis adapters: throwaway Redis servers and clusters on free loopback ports,
//! a PostgreSQL of the test's own, child processes (Node nodes, our own nodes) read line by line, and a TCP
//! proxy that cuts and restores a link. Everything started here is killed on drop and every wait is
//! bounded.
// each test binary uses a part of this module and of its re-exports
#![allow(dead_code, unused_imports)]

mod cluster;
mod ports;
mod postgres;
mod process;
mod proxy;
mod redis;
mod resp;
mod tempdir;

pub use cluster::RedisCluster;
pub use ports::{free_port, free_port_with_bus};
pub use postgres::PostgresServer;
pub use process::{
    node_script, node_script_env, repo_root, run_command, run_node_script, ChildProcess,
};
pub use proxy::TcpProxy;
pub use redis::RedisServer;
pub use resp::{command, Reply, RespConn};
pub use tempdir::TempDir;

use std::future::Future;
use std::panic::Location;
use std::time::Duration;

/// The default bound of a test's waits.
pub const WAIT: Duration = Duration::from_secs(20);

/// Awaits `fut`, panicking (with the caller's location) if it takes longer than [`WAIT`].
#[track_caller]
pub fn with_timeout<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    within(WAIT, fut)
}

/// Awaits `fut`, panicking (with the caller's location) if it takes longer than `limit`.
#[track_caller]
pub fn within<F: Future>(limit: Duration, fut: F) -> impl Future<Output = F::Output> {
    let at = Location::caller();
    async move {
        match tokio::time::timeout(limit, fut).await {
            Ok(v) => v,
            Err(_) => panic!("timed out after {limit:?} (waiting at {at})"),
        }
    }
}

/// Polls `check` every 20 ms until it returns true; false if it did not within `limit`.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
