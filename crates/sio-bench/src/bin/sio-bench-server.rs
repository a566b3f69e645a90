//! `sio-bench-server`: sio speaking the benchmark event contract (`sio_bench::contract`, BENCHMARKS.md):
//! `echo` emits the arguments back, `ack` answers the acknowledgement with them, `broadcast` sends them
//! to every socket (`io.emit`), `room` sends them to the room named by the connection's `room` query
//! parameter.
//!
//! Usage: `sio-bench-server [port] [--redis URL]`; prints `listening on 127.0.0.1:<port>` once it accepts
//! connections. With `--redis`, the server joins a cluster through sio-redis's classic adapter (key
//! `socket.io`, wire-compatible with `@socket.io/redis-adapter`), so broadcasts reach every node (W8).
//! `--adapter streams` takes sio-redis's streams adapter instead (`@socket.io/redis-streams-adapter`);
//! `--postgres URL [--prefix P]` joins through sio-postgres (`@socket.io/postgres-adapter`, channel
//! prefix `P`, default `socket.io`). `--recovery` turns on connection state recovery with its default
//! options (W9); `--deflate` turns permessage-deflate on with its default options (W3 deflate);
//! `--webtransport` listens for WebTransport too, on the same port number over UDP with a self-signed
//! certificate (W3 WebTransport).

use sio_postgres::{postgres_adapter, PostgresAdapterOptions};
use sio_redis::{
    streams_adapter, RedisAdapterFactory, RedisAdapterOptions, RedisConnection, RedisTarget,
    StreamsAdapterOptions,
};
use sio_server::engine::{Identity, PerMessageDeflate, Transport};
use sio_server::{ConnectionStateRecovery, Server, ServerConfig};
use std::io::Write;
use std::sync::Arc;

/// The command line: the port (first positional argument, 0 when absent) and the cluster options.
#[derive(Default)]
struct Args {
    port: u16,
    redis: Option<String>,
    adapter: Option<String>,
    postgres: Option<String>,
    prefix: Option<String>,
    recovery: bool,
    deflate: bool,
    webtransport: bool,
}

fn parse_args() -> std::io::Result<Args> {
    let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
    let mut out = Args::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--redis" => &mut out.redis,
            "--adapter" => &mut out.adapter,
            "--postgres" => &mut out.postgres,
            "--prefix" => &mut out.prefix,
            "--recovery" => {
                out.recovery = true;
                continue;
            }
            "--deflate" => {
                out.deflate = true;
                continue;
            }
            "--webtransport" => {
                out.webtransport = true;
                continue;
            }
            _ => {
                out.port = arg.parse().map_err(|_| bad(format!("bad port {arg:?}")))?;
                continue;
            }
        };
        *slot = Some(
            args.next()
                .ok_or_else(|| bad(format!("{arg} needs a value")))?,
        );
    }
    Ok(out)
}

fn main() -> std::io::Result<()> {
    sio_bench::rlimit::raise_fd_limit();
    let args = parse_args()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let mut config = ServerConfig::default();
            if args.deflate {
                config = config.engine(|mut e| {
                    e.per_message_deflate = Some(PerMessageDeflate::default());
                    e
                });
            }
            if args.recovery {
                config = config.connection_state_recovery(ConnectionStateRecovery::default());
            }
            if let Some(url) = &args.postgres {
                let mut options = PostgresAdapterOptions::default();
                if let Some(prefix) = &args.prefix {
                    options.channel_prefix = prefix.clone();
                }
                let factory = postgres_adapter(url, options).map_err(std::io::Error::other)?;
                config = config.adapter(Arc::new(factory));
            } else if let Some(url) = &args.redis {
                let conn = RedisConnection::connect(&RedisTarget::parse(url))
                    .await
                    .map_err(std::io::Error::other)?;
                config = match args.adapter.as_deref() {
                    Some("streams") => config.adapter(Arc::new(streams_adapter(
                        conn,
                        StreamsAdapterOptions::default(),
                    ))),
                    None | Some("classic") => config.adapter(Arc::new(RedisAdapterFactory::new(
                        conn,
                        RedisAdapterOptions::default(),
                    ))),
                    Some(other) => {
                        return Err(std::io::Error::other(format!("unknown adapter {other:?}")))
                    }
                };
            }
            if args.webtransport {
                config.engine.transports.push(Transport::WebTransport);
            }
            let io = Server::new(config);
            sio_bench::contract::register(&io);
            let server = io.listen(("127.0.0.1", args.port)).await?;
            // On the same port number over UDP, with a fresh self-signed certificate (the benchmark's
            // clients do not check it).
            let _webtransport = match args.webtransport {
                true => {
                    let identity = Identity::self_signed(["localhost", "127.0.0.1"])
                        .map_err(std::io::Error::other)?;
                    Some(
                        io.listen_webtransport(server.local_addr(), identity)
                            .await?,
                    )
                }
                false => None,
            };
            let mut out = std::io::stdout();
            writeln!(out, "listening on {}", server.local_addr())?;
            out.flush()?;
            std::future::pending::<()>().await;
            Ok(())
        })
}
