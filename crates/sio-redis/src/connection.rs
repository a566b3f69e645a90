//! The Redis connection an adapter or emitter uses: one RESP3 connection (a single server) or one cluster
//! connection, carrying both the commands and the subscriptions, with the messages of every subscription
//! routed to the handler that asked for it.
//!
//! On a single server, a lost connection is re-established by redis-rs's `ConnectionManager` (exponential
//! backoff); this module then subscribes again to everything that was subscribed, and says so in the log.
//! On a Redis Cluster, the cluster connection reconnects and resubscribes by itself.

use bytes::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{IntoConnectionInfo, ProtocolVersion, PushInfo, PushKind};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::mpsc;

/// Where Redis is: one server, or the nodes of a Redis Cluster (any subset is enough to discover it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisTarget {
    /// A single Redis server, `redis://host:port[/db]`.
    Single(String),
    /// Nodes of a Redis Cluster.
    Cluster(Vec<String>),
}

impl RedisTarget {
    /// Reads `redis://host:port` as a single server and a comma-separated list of URLs as cluster nodes.
    pub fn parse(urls: &str) -> RedisTarget {
        let urls: Vec<String> = urls
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect();
        match <[String; 1]>::try_from(urls) {
            Ok([url]) => RedisTarget::Single(url),
            Err(urls) => RedisTarget::Cluster(urls),
        }
    }
}

/// The kinds of subscription Redis has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubscriptionKind {
    /// `SUBSCRIBE` to a channel.
    Channel,
    /// `PSUBSCRIBE` to a glob pattern.
    Pattern,
    /// `SSUBSCRIBE` to a shard channel (Redis 7).
    Shard,
}

/// Receives the messages of one subscription: the channel they came on and the payload.
pub type MessageHandler = Arc<dyn Fn(&str, Bytes) + Send + Sync>;

/// An error of the Redis connection.
#[derive(Debug, thiserror::Error)]
#[error("redis: {0}")]
pub struct RedisError(#[from] pub redis::RedisError);

impl From<RedisError> for sio_server::AdapterError {
    fn from(e: RedisError) -> Self {
        sio_server::AdapterError::Backend(e.to_string())
    }
}

#[derive(Clone)]
enum Commands {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

type Routes = HashMap<(SubscriptionKind, String), Vec<MessageHandler>>;

/// One connection to Redis, shared by every namespace of a server (cheap to clone).
#[derive(Clone)]
pub struct RedisConnection {
    commands: Commands,
    routes: Arc<Mutex<Routes>>,
    target: Arc<RedisTarget>,
}

impl fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.commands {
            Commands::Single(_) => "single",
            Commands::Cluster(_) => "cluster",
        };
        f.debug_struct("RedisConnection")
            .field("kind", &kind)
            .finish()
    }
}

const RETRY_MIN: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(2);

impl RedisConnection {
    /// Connects to `target` (RESP3, which Redis has since version 6).
    pub async fn connect(target: &RedisTarget) -> Result<RedisConnection, RedisError> {
        Self::connect_with(target, Duration::from_secs(10), true).await
    }

    /// A new connection to the same Redis, for blocking commands (`XREAD BLOCK`), which would stall every
    /// command queued behind them on a shared connection. `response_timeout` must exceed the block time.
    /// It takes no subscriptions, and closes when its last clone is dropped.
    pub async fn dedicated(
        &self,
        response_timeout: Duration,
    ) -> Result<RedisConnection, RedisError> {
        Self::connect_with(&self.target, response_timeout, false).await
    }

    async fn connect_with(
        target: &RedisTarget,
        response_timeout: Duration,
        subscriptions: bool,
    ) -> Result<RedisConnection, RedisError> {
        let (tx, rx) = mpsc::unbounded_channel::<PushInfo>();
        let tx = subscriptions.then_some(tx);
        let routes = Arc::new(Mutex::new(Routes::new()));
        let commands = match target {
            RedisTarget::Single(url) => {
                let info = url.as_str().into_connection_info()?;
                let settings = info
                    .redis_settings()
                    .clone()
                    .set_protocol(ProtocolVersion::RESP3);
                let info = info.set_redis_settings(settings);
                let client = redis::Client::open(info)?;
                let mut config = ConnectionManagerConfig::new()
                    .set_min_delay(RETRY_MIN)
                    .set_max_delay(RETRY_MAX)
                    // A command while Redis is away fails within about a second rather than waiting
                    // for it (the local part of an operation is done already); the subscriptions are
                    // renewed by `resubscribe`, which keeps trying.
                    .set_number_of_retries(3)
                    .set_connection_timeout(Some(Duration::from_secs(2)))
                    .set_response_timeout(Some(response_timeout));
                if let Some(tx) = tx {
                    config = config.set_push_sender(tx);
                }
                Commands::Single(client.get_connection_manager_with_config(config).await?)
            }
            RedisTarget::Cluster(urls) => {
                let mut builder = ClusterClient::builder(urls.iter().map(String::as_str))
                    .use_protocol(ProtocolVersion::RESP3)
                    .retries(10)
                    .min_retry_wait(RETRY_MIN.as_millis() as u64)
                    .max_retry_wait(RETRY_MAX.as_millis() as u64)
                    .connection_timeout(Duration::from_secs(5))
                    .response_timeout(response_timeout);
                if let Some(tx) = tx {
                    builder = builder.push_sender(tx);
                }
                let client = builder.build()?;
                Commands::Cluster(client.get_async_connection().await?)
            }
        };
        let target = Arc::new(target.clone());
        let conn = RedisConnection {
            commands,
            routes,
            target,
        };
        if subscriptions {
            tokio::spawn(dispatch(rx, conn.downgrade()));
        }
        Ok(conn)
    }

    fn downgrade(&self) -> WeakConnection {
        WeakConnection {
            commands: self.commands.clone(),
            routes: Arc::downgrade(&self.routes),
            target: self.target.clone(),
        }
    }

    /// Whether this is a Redis Cluster connection.
    pub fn is_cluster(&self) -> bool {
        matches!(self.commands, Commands::Cluster(_))
    }

    /// Runs one command.
    pub async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, RedisError> {
        Ok(match self.commands.clone() {
            Commands::Single(mut c) => cmd.query_async(&mut c).await?,
            Commands::Cluster(mut c) => cmd.query_async(&mut c).await?,
        })
    }

    /// Runs a pipeline of commands whose answers are ignored (single server only).
    pub(crate) async fn query_pipeline(&self, pipe: &redis::Pipeline) -> Result<(), RedisError> {
        match self.commands.clone() {
            Commands::Single(mut c) => pipe.exec_async(&mut c).await?,
            Commands::Cluster(mut c) => pipe.exec_async(&mut c).await?,
        }
        Ok(())
    }

    /// Runs a pipeline of commands and returns their answers (single server only).
    pub(crate) async fn query_pipeline_values(
        &self,
        pipe: &redis::Pipeline,
    ) -> Result<Vec<redis::Value>, RedisError> {
        Ok(match self.commands.clone() {
            Commands::Single(mut c) => pipe.query_async(&mut c).await?,
            Commands::Cluster(mut c) => pipe.query_async(&mut c).await?,
        })
    }

    /// `PUBLISH channel payload`.
    pub async fn publish(&self, channel: &str, payload: &[u8]) -> Result<(), RedisError> {
        self.query::<()>(redis::cmd("PUBLISH").arg(channel).arg(payload))
            .await
    }

    /// `SPUBLISH channel payload` (sharded pub/sub).
    pub async fn spublish(&self, channel: &str, payload: &[u8]) -> Result<(), RedisError> {
        self.query::<()>(redis::cmd("SPUBLISH").arg(channel).arg(payload))
            .await
    }

    /// How many subscriptions `channel` has (`PUBSUB NUMSUB`, or `PUBSUB SHARDNUMSUB` for a shard
    /// channel), summed over every node of a cluster.
    pub async fn subscribers(&self, channel: &str, shard: bool) -> Result<usize, RedisError> {
        let sub = if shard { "SHARDNUMSUB" } else { "NUMSUB" };
        let reply: redis::Value = self
            .query(redis::cmd("PUBSUB").arg(sub).arg(channel))
            .await?;
        Ok(count_of(&reply))
    }

    /// Subscribes `handler` to `name` (a channel, pattern or shard channel). Every handler of a name gets
    /// its messages; Redis sees one subscription per name.
    pub async fn subscribe(
        &self,
        kind: SubscriptionKind,
        name: &str,
        handler: MessageHandler,
    ) -> Result<(), RedisError> {
        let first = {
            let mut routes = lock(&self.routes);
            let handlers = routes.entry((kind, name.to_owned())).or_default();
            handlers.push(handler);
            handlers.len() == 1
        };
        if first {
            if let Err(e) = self.send_subscription(kind, name, true).await {
                lock(&self.routes).remove(&(kind, name.to_owned()));
                return Err(e);
            }
        }
        Ok(())
    }

    /// Drops every handler of `name` and unsubscribes from it.
    pub async fn unsubscribe(&self, kind: SubscriptionKind, name: &str) -> Result<(), RedisError> {
        if lock(&self.routes)
            .remove(&(kind, name.to_owned()))
            .is_some()
        {
            self.send_subscription(kind, name, false).await?;
        }
        Ok(())
    }

    async fn send_subscription(
        &self,
        kind: SubscriptionKind,
        name: &str,
        on: bool,
    ) -> Result<(), RedisError> {
        match self.commands.clone() {
            Commands::Single(mut c) => {
                let verb = match (kind, on) {
                    (SubscriptionKind::Channel, true) => "SUBSCRIBE",
                    (SubscriptionKind::Channel, false) => "UNSUBSCRIBE",
                    (SubscriptionKind::Pattern, true) => "PSUBSCRIBE",
                    (SubscriptionKind::Pattern, false) => "PUNSUBSCRIBE",
                    (SubscriptionKind::Shard, true) => "SSUBSCRIBE",
                    (SubscriptionKind::Shard, false) => "SUNSUBSCRIBE",
                };
                redis::cmd(verb).arg(name).exec_async(&mut c).await?;
            }
            // The cluster connection tracks its subscriptions and renews them after reconnecting.
            Commands::Cluster(mut c) => match (kind, on) {
                (SubscriptionKind::Channel, true) => c.subscribe(name).await?,
                (SubscriptionKind::Channel, false) => c.unsubscribe(name).await?,
                (SubscriptionKind::Pattern, true) => c.psubscribe(name).await?,
                (SubscriptionKind::Pattern, false) => c.punsubscribe(name).await?,
                (SubscriptionKind::Shard, true) => c.ssubscribe(name).await?,
                (SubscriptionKind::Shard, false) => c.sunsubscribe(name).await?,
            },
        }
        Ok(())
    }
}

/// What the dispatch task keeps: the routes, without keeping the connection's users' state alive.
struct WeakConnection {
    commands: Commands,
    routes: Weak<Mutex<Routes>>,
    target: Arc<RedisTarget>,
}

impl WeakConnection {
    fn upgrade(&self) -> Option<RedisConnection> {
        Some(RedisConnection {
            commands: self.commands.clone(),
            routes: self.routes.upgrade()?,
            target: self.target.clone(),
        })
    }
}

/// Locks `m`, poisoned or not (a panic elsewhere leaves the data usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads `PUBSUB NUMSUB`'s answer (`[channel, n]`, or a map under RESP3; already summed over a cluster).
fn count_of(reply: &redis::Value) -> usize {
    let n = match reply {
        redis::Value::Array(items) => items.get(1).cloned(),
        redis::Value::Map(pairs) => pairs.first().map(|(_, v)| v.clone()),
        _ => None,
    };
    n.and_then(|v| redis::from_redis_value::<i64>(v).ok())
        .map_or(0, |n| n.max(0) as usize)
}

/// Routes every message Redis pushes to the handlers of its subscription, and renews the subscriptions of
/// a single-server connection after it was lost.
async fn dispatch(mut rx: mpsc::UnboundedReceiver<PushInfo>, conn: WeakConnection) {
    while let Some(push) = rx.recv().await {
        let (kind, name, channel, payload) = match (push.kind, push.data.as_slice()) {
            (PushKind::Message, [channel, payload]) => {
                (SubscriptionKind::Channel, channel, channel, payload)
            }
            (PushKind::SMessage, [channel, payload]) => {
                (SubscriptionKind::Shard, channel, channel, payload)
            }
            (PushKind::PMessage, [pattern, channel, payload]) => {
                (SubscriptionKind::Pattern, pattern, channel, payload)
            }
            (PushKind::Disconnection, _) => {
                let Some(conn) = conn.upgrade() else { return };
                tracing::warn!("lost the connection to Redis; reconnecting");
                if !conn.is_cluster() {
                    tokio::spawn(resubscribe(conn));
                }
                continue;
            }
            _ => continue,
        };
        let (Some(name), Some(channel), Some(payload)) =
            (text(name), text(channel), bytes(payload))
        else {
            continue;
        };
        let Some(routes) = conn.routes.upgrade() else {
            return;
        };
        let handlers = lock(&routes)
            .get(&(kind, name))
            .cloned()
            .unwrap_or_default();
        for handler in handlers {
            handler(&channel, payload.clone());
        }
    }
}

/// Subscribes again to everything, once Redis answers again (the connection manager reconnects with
/// backoff on the first command).
async fn resubscribe(conn: RedisConnection) {
    let mut delay = RETRY_MIN;
    loop {
        let names: Vec<(SubscriptionKind, String)> = lock(&conn.routes).keys().cloned().collect();
        let mut failed = None;
        if let Err(e) = conn.query::<()>(&redis::cmd("PING")).await {
            failed = Some(e);
        } else {
            for (kind, name) in &names {
                if let Err(e) = conn.send_subscription(*kind, name, true).await {
                    failed = Some(e);
                    break;
                }
            }
        }
        match failed {
            None => {
                tracing::info!(
                    subscriptions = names.len(),
                    "reconnected to Redis and subscribed again"
                );
                return;
            }
            Some(e) => {
                tracing::debug!(error = %e, "Redis not back yet");
                if Arc::strong_count(&conn.routes) <= 1 {
                    return; // nobody uses the connection any more
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(RETRY_MAX);
            }
        }
    }
}

fn text(v: &redis::Value) -> Option<String> {
    redis::from_redis_value::<String>(v.clone()).ok()
}

fn bytes(v: &redis::Value) -> Option<Bytes> {
    match v {
        redis::Value::BulkString(b) => Some(Bytes::copy_from_slice(b)),
        redis::Value::SimpleString(s) => Some(Bytes::copy_from_slice(s.as_bytes())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            RedisTarget::parse("redis://127.0.0.1:6379"),
            RedisTarget::Single("redis://127.0.0.1:6379".into())
        );
        assert_eq!(
            RedisTarget::parse("redis://a:1, redis://b:2"),
            RedisTarget::Cluster(vec!["redis://a:1".into(), "redis://b:2".into()])
        );
    }

    #[test]
    fn numsub_replies() {
        let arr = redis::Value::Array(vec![
            redis::Value::BulkString(b"ch".to_vec()),
            redis::Value::Int(3),
        ]);
        assert_eq!(count_of(&arr), 3);
        let map = redis::Value::Map(vec![(
            redis::Value::BulkString(b"ch".to_vec()),
            redis::Value::Int(2),
        )]);
        assert_eq!(count_of(&map), 2);
        assert_eq!(count_of(&redis::Value::Nil), 0);
    }
}
