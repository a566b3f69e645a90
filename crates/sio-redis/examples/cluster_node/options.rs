//! The command line of `cluster_node`, and the adapter it asks for.

use sio_redis::{
    sharded_adapter, RedisAdapterFactory, RedisAdapterOptions, RedisConnection, RedisTarget,
    ShardedAdapterOptions,
};
use sio_server::adapter::AdapterFactory;
use std::sync::Arc;
use std::time::Duration;

pub const USAGE: &str = "usage: cluster_node --port P (--redis URL[,URL...] | --postgres URL) \
[--adapter classic|sharded|streams|postgres] [--key K] \
[--subscription-mode dynamic|dynamic-private|static] [--specific-response-channel] \
[--requests-timeout MS] [--recovery]";

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    pub port: u16,
    pub redis: String,
    pub postgres: Option<String>,
    pub adapter: String,
    pub key: Option<String>,
    pub subscription_mode: String,
    pub specific_response_channel: bool,
    pub requests_timeout: Duration,
    pub recovery: bool,
}

impl NodeOptions {
    /// Reads the arguments (after the program name).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<NodeOptions, String> {
        let mut options = NodeOptions {
            port: 3000,
            redis: "redis://127.0.0.1:6379".into(),
            postgres: None,
            adapter: "classic".into(),
            key: None,
            subscription_mode: "dynamic".into(),
            specific_response_channel: false,
            requests_timeout: Duration::from_secs(5),
            recovery: false,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--port" => options.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
                "--redis" => options.redis = value()?,
                "--postgres" => options.postgres = Some(value()?),
                "--adapter" => options.adapter = value()?,
                "--key" => options.key = Some(value()?),
                "--subscription-mode" => options.subscription_mode = value()?,
                "--specific-response-channel" => options.specific_response_channel = true,
                "--requests-timeout" => {
                    let ms: u64 = value()?
                        .parse()
                        .map_err(|e| format!("--requests-timeout: {e}"))?;
                    options.requests_timeout = Duration::from_millis(ms);
                }
                "--recovery" => options.recovery = true,
                other => return Err(format!("unknown option {other}")),
            }
        }
        Ok(options)
    }

    /// Connects to Redis and builds the adapter factory.
    pub async fn adapter_factory(
        &self,
    ) -> Result<Arc<dyn AdapterFactory>, Box<dyn std::error::Error>> {
        if self.adapter == "postgres" {
            let url = self
                .postgres
                .as_deref()
                .ok_or("--adapter postgres needs --postgres URL")?;
            let mut options = sio_postgres::PostgresAdapterOptions {
                requests_timeout: self.requests_timeout,
                ..Default::default()
            };
            if let Some(key) = &self.key {
                options.channel_prefix = key.clone();
            }
            return Ok(Arc::new(sio_postgres::postgres_adapter(url, options)?));
        }
        let conn = RedisConnection::connect(&RedisTarget::parse(&self.redis)).await?;
        match self.adapter.as_str() {
            "classic" => {
                let mut options = RedisAdapterOptions {
                    requests_timeout: self.requests_timeout,
                    publish_on_specific_response_channel: self.specific_response_channel,
                    ..Default::default()
                };
                if let Some(key) = &self.key {
                    options.key = key.clone();
                }
                Ok(Arc::new(RedisAdapterFactory::new(conn, options)))
            }
            "sharded" => {
                let mut options = ShardedAdapterOptions {
                    subscription_mode: self.subscription_mode.parse()?,
                    requests_timeout: self.requests_timeout,
                    ..Default::default()
                };
                if let Some(key) = &self.key {
                    options.channel_prefix = key.clone();
                }
                Ok(Arc::new(sharded_adapter(conn, options)))
            }
            "streams" => {
                let mut options = sio_redis::StreamsAdapterOptions {
                    requests_timeout: self.requests_timeout,
                    ..Default::default()
                };
                if let Some(key) = &self.key {
                    options.stream_name = key.clone();
                    options.channel_prefix = key.clone();
                }
                Ok(Arc::new(sio_redis::streams_adapter(conn, options)))
            }
            other => Err(format!(
                "unknown adapter {other} (classic, sharded, streams or postgres)"
            )
            .into()),
        }
    }
}
