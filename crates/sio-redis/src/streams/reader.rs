//! Reading the streams: one task per stream, on a connection of its own (a blocking `XREAD` would stall
//! every command behind it on a shared connection), loops `XREAD BLOCK <block> COUNT <n> STREAMS <stream>
//! <last id>` and hands each entry to the adapter of its namespace, with the entry id as the offset.
//!
//! The reader starts at the end of the stream, as the official `$` does, but pins that position to an
//! entry id first (`XREVRANGE <stream> + - COUNT 1`, `0-0` for an empty stream), so that after a lost
//! connection it resumes right after the last entry it read and misses nothing that was added meanwhile.
//! A reader is started for the stream of each namespace the first time one uses it, and stops once the
//! adapter factory is gone (within one block time).

use super::entry::{parse_range, parse_read};
use crate::connection::{lock, RedisConnection};
use sio_cluster::ClusterHandle;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::watch;

const RETRY_MIN: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(2);

/// The namespaces of one adapter factory, by name, and the streams being read.
#[derive(Default)]
pub(crate) struct Registry {
    namespaces: Mutex<HashMap<String, ClusterHandle>>,
    /// Per stream: whether its reader has fixed its starting position.
    readers: Mutex<HashMap<String, watch::Receiver<bool>>>,
}

/// How a reader reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadOptions {
    pub count: u64,
    pub block: Duration,
}

impl Registry {
    /// Entries of the namespace of `handle` go to it from now on.
    pub fn register(&self, handle: ClusterHandle) {
        lock(&self.namespaces).insert(handle.nsp().to_owned(), handle);
    }

    /// The namespace of `handle` is closed.
    pub fn unregister(&self, handle: &ClusterHandle) {
        let mut namespaces = lock(&self.namespaces);
        if namespaces
            .get(handle.nsp())
            .is_some_and(|h| h.uid() == handle.uid())
        {
            namespaces.remove(handle.nsp());
        }
    }

    fn handle(&self, nsp: &str) -> Option<ClusterHandle> {
        lock(&self.namespaces).get(nsp).cloned()
    }

    /// Starts the reader of `stream` unless it runs already; the receiver turns `true` once the reader
    /// knows where it starts (or gave up pinning it and starts at `$`).
    pub fn ensure_reader(
        self: &Arc<Self>,
        conn: &RedisConnection,
        stream: &str,
        options: ReadOptions,
    ) -> watch::Receiver<bool> {
        let mut readers = lock(&self.readers);
        if let Some(ready) = readers.get(stream) {
            return ready.clone();
        }
        let (tx, rx) = watch::channel(false);
        readers.insert(stream.to_owned(), rx.clone());
        tokio::spawn(read(
            Arc::downgrade(self),
            conn.clone(),
            stream.to_owned(),
            options,
            tx,
        ));
        rx
    }

    /// Hands one entry to the adapter of its namespace (entries without `nsp` are skipped, as the
    /// official reader does).
    fn dispatch(&self, entry: &super::entry::Entry) {
        let Some(nsp) = entry.field("nsp").filter(|n| !n.is_empty()) else {
            return;
        };
        let Some(handle) = self.handle(nsp) else {
            return;
        };
        match entry.decode() {
            Ok(msg) => handle.on_message(msg, Some(entry.id.clone())),
            Err(error) => {
                tracing::debug!(id = %entry.id, %error, "ignoring an invalid stream entry")
            }
        }
    }
}

/// The read loop of one stream.
async fn read(
    registry: Weak<Registry>,
    shared: RedisConnection,
    stream: String,
    options: ReadOptions,
    ready: watch::Sender<bool>,
) {
    // A reply may take the block time; leave room for the network.
    let response_timeout = options.block + Duration::from_secs(5);
    let mut delay = RETRY_MIN;
    let conn = loop {
        if registry.strong_count() == 0 {
            return;
        }
        match shared.dedicated(response_timeout).await {
            Ok(conn) => break conn,
            Err(error) => {
                tracing::warn!(%error, stream, "could not open the stream reading connection; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(RETRY_MAX);
            }
        }
    };
    drop(shared);
    let mut last = start_position(&conn, &stream).await;
    ready.send_replace(true);
    tracing::debug!(stream, from = %last, "reading the stream");
    let mut failing = false;
    loop {
        if registry.strong_count() == 0 {
            return;
        }
        let mut cmd = redis::cmd("XREAD");
        cmd.arg("BLOCK")
            .arg(options.block.as_millis() as u64)
            .arg("COUNT")
            .arg(options.count.max(1))
            .arg("STREAMS")
            .arg(&stream)
            .arg(&last);
        match conn.query::<redis::Value>(&cmd).await {
            Ok(reply) => {
                if failing {
                    tracing::info!(stream, from = %last, "reading the stream again");
                    failing = false;
                }
                delay = RETRY_MIN;
                let entries = parse_read(&reply);
                let Some(registry) = registry.upgrade() else {
                    return;
                };
                for entry in &entries {
                    registry.dispatch(entry);
                    last.clone_from(&entry.id);
                }
            }
            Err(error) => {
                if !failing {
                    tracing::warn!(%error, stream, "reading the stream failed; retrying");
                    failing = true;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(RETRY_MAX);
            }
        }
    }
}

/// The id of the stream's last entry (`0-0` when it is empty or absent), or `$` if Redis cannot tell.
async fn start_position(conn: &RedisConnection, stream: &str) -> String {
    let mut cmd = redis::cmd("XREVRANGE");
    cmd.arg(stream).arg("+").arg("-").arg("COUNT").arg(1);
    match conn.query::<redis::Value>(&cmd).await {
        Ok(reply) => parse_range(&reply)
            .into_iter()
            .next()
            .map_or_else(|| "0-0".to_owned(), |e| e.id),
        Err(error) => {
            tracing::warn!(%error, stream, "could not find the end of the stream; reading from $");
            "$".to_owned()
        }
    }
}
