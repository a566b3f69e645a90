//! The command line: every subcommand and option of `sio`, with the examples `--help` shows.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Socket.IO from the command line: a demo server, an interactive client, a cluster emitter and a load
/// generator, wire-compatible with the official JavaScript implementation.
#[derive(Debug, Parser)]
#[command(name = "sio", version, propagate_version = true)]
#[command(after_help = "Examples:
  sio serve                                      chat page on http://127.0.0.1:3000/, /echo namespace
  sio connect http://127.0.0.1:3000/echo         an interactive session
  sio connect URL --emit ping '{\"a\":1}' --wait-for pong
  sio emit --redis redis://127.0.0.1:6379 --to room1 news '\"hello\"'
  sio bench http://127.0.0.1:3000 --workload echo --clients 100
  sio completions bash > /etc/bash_completion.d/sio")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs a demo server: the chat page and its events on `/`, an echo namespace on `/echo`.
    Serve(ServeArgs),
    /// Connects to a Socket.IO server: an interactive session, or a scripted one with --emit / --wait-for.
    Connect(ConnectArgs),
    /// Emits one event into a running cluster of Redis-adapter servers (the Redis emitter).
    Emit(EmitArgs),
    /// Runs a load workload against a running Socket.IO server and prints throughput and latency.
    Bench(BenchArgs),
    /// Prints the shell completion script of `sio` for a shell.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `sio serve`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  sio serve                                      http://127.0.0.1:3000/
  sio serve --host 0.0.0.0 --port 8080 --cors https://example.com
  sio serve --port 3001 --redis redis://127.0.0.1:6379              a node of a cluster
  sio serve --port 3002 --redis redis://127.0.0.1:6379 --adapter streams

Namespaces:
  /       the chat of the chat example (add user, new message, typing, join room, list rooms), and the
          benchmark contract of `sio bench` (echo, ack, broadcast, room, flood)
  /echo   every event is sent back to its sender with the same arguments, or, when the client asks for
          an acknowledgement, acknowledged with them")]
pub struct ServeArgs {
    /// The port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 3000)]
    pub port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Joins a cluster through this Redis server (`redis://host:port`, or several comma-separated URLs
    /// of a Redis Cluster).
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
    /// The cluster adapter, with --redis.
    #[arg(long, value_enum, default_value_t = Adapter::Classic, requires = "redis")]
    pub adapter: Adapter,
    /// Allows cross-origin requests from this origin (repeatable; `*` for any origin).
    #[arg(long, value_name = "ORIGIN")]
    pub cors: Vec<String>,
    /// The `dist/` directory of an installed npm socket.io-client, served to the chat page (default: the
    /// one `scripts/run` installs in this repository).
    #[arg(long, value_name = "DIR")]
    pub client_dir: Option<PathBuf>,
    /// Instruments the server for the official admin dashboard (`@socket.io/admin-ui`): the `/admin`
    /// namespace, and the dashboard's own files at /admin-ui/ from the installed npm package.
    #[arg(long)]
    pub admin: bool,
    /// With --admin: the dashboard's username (with --admin-password-hash); without it, no login.
    #[arg(long, value_name = "NAME", requires_all = ["admin", "admin_password_hash"])]
    pub admin_user: Option<String>,
    /// The bcrypt hash of the dashboard's password (`$2b$...`), with --admin-user.
    #[arg(long, value_name = "BCRYPT", requires = "admin_user")]
    pub admin_password_hash: Option<String>,
    /// With --admin: the `node_modules` directory that holds `@socket.io/admin-ui` (default: the one
    /// `scripts/run` installs in this repository).
    #[arg(long, value_name = "DIR", requires = "admin")]
    pub admin_ui_dir: Option<PathBuf>,
    /// With --admin: this server's name in the dashboard (default: the host name, and `HOST#PID` with
    /// --redis, as the official instrumentation names the workers of a cluster).
    #[arg(long, value_name = "ID", requires = "admin")]
    pub admin_server_id: Option<String>,
    /// Serves WebTransport too (HTTP/3), on the same port over UDP; offered to clients as an upgrade
    /// from polling. Without --cert and --key, with a self-signed certificate valid 14 days whose
    /// SHA-256 is printed (for the browsers' `serverCertificateHashes`).
    #[arg(long)]
    pub webtransport: bool,
    /// With --webtransport: the certificate chain (PEM).
    #[arg(long, value_name = "PEM", requires_all = ["webtransport", "key"])]
    pub cert: Option<PathBuf>,
    /// With --webtransport: the certificate's private key (PEM).
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,
}

/// The Redis adapters `sio serve` can join a cluster with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Adapter {
    /// `@socket.io/redis-adapter` over Redis pub/sub.
    Classic,
    /// `@socket.io/redis-adapter`'s sharded adapter (Redis 7 sharded pub/sub).
    Sharded,
    /// `@socket.io/redis-streams-adapter` (Redis streams).
    Streams,
}

/// `sio connect`.
#[derive(Debug, Args)]
#[command(after_help = "Interactive commands:
  emit EVENT [JSON...]       emit an event with zero or more JSON arguments
  emit-ack EVENT [JSON...]   emit an event and print the acknowledgement
  join NAMESPACE             open a socket on another namespace; later commands go to it
  use NAMESPACE              send later commands to an open namespace
  help, quit

Examples:
  sio connect http://127.0.0.1:3000/echo
  sio connect http://127.0.0.1:3000 --transport websocket --auth '{\"token\":\"abc\"}'
  sio connect http://127.0.0.1:3000/echo --emit hello '\"world\" 42' --wait-for hello
  sio connect http://127.0.0.1:3000/echo --ack --emit sum '1 2' --timeout 5

Scripted mode (any of --emit, --wait-for, --count): one JSON object per line on stdout, then the exit
code: 0 when everything asked for happened, 1 when the connection was refused or lost or an
acknowledgement failed, 124 on --timeout.")]
pub struct ConnectArgs {
    /// The server URL; its path is the namespace (`http://host:3000/admin`).
    pub url: String,
    /// The namespace, instead of the URL's path.
    #[arg(long, short)]
    pub namespace: Option<String>,
    /// Only this transport (default: polling, then an upgrade to websocket).
    #[arg(long, value_enum)]
    pub transport: Option<Transport>,
    /// Does not check the server's TLS certificate (for a test server's self-signed one, such as the
    /// WebTransport certificate `sio serve --webtransport` makes): anyone on the path could read and
    /// change the traffic.
    #[arg(long)]
    pub insecure: bool,
    /// The `auth` payload of the CONNECT packet, as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub auth: Option<String>,
    /// The packet format: the server must use the same (npm socket.io-msgpack-parser for msgpack).
    #[arg(long, value_enum, default_value_t = ParserArg::Default)]
    pub parser: ParserArg,
    /// The Engine.IO path on the server.
    #[arg(long, default_value = "/socket.io")]
    pub path: String,
    /// Emits EVENT with the JSON values in JSON (space-separated; `''` for none), in order (repeatable).
    #[arg(long, num_args = 2, value_names = ["EVENT", "JSON"], action = clap::ArgAction::Append)]
    pub emit: Vec<String>,
    /// Asks for an acknowledgement of every --emit and prints it.
    #[arg(long)]
    pub ack: bool,
    /// Waits until this event arrives (--count times).
    #[arg(long, value_name = "EVENT")]
    pub wait_for: Option<String>,
    /// How many events to wait for (of --wait-for, or of any name).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Seconds the whole scripted session (or an acknowledgement in a session) may take.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
}

impl ConnectArgs {
    /// Whether the session is scripted rather than interactive.
    pub fn scripted(&self) -> bool {
        !self.emit.is_empty() || self.wait_for.is_some() || self.count.is_some()
    }
}

/// `--transport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    /// HTTP long-polling only.
    Polling,
    /// WebSocket only.
    Websocket,
    /// WebTransport only (HTTP/3 on the server's port over UDP, always TLS: see --insecure).
    Webtransport,
}

/// `--parser`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParserArg {
    /// The default JSON parser.
    Default,
    /// npm socket.io-msgpack-parser.
    Msgpack,
}

/// `sio emit`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  sio emit --redis redis://127.0.0.1:6379 news '\"hello\"' 42
  sio emit --redis redis://127.0.0.1:6379 --namespace /admin --to staff --except bots alert '{\"level\":2}'

The servers must use the classic Redis adapter (`@socket.io/redis-adapter`, or `sio serve --redis URL`)
with the same key.")]
pub struct EmitArgs {
    /// The Redis server of the cluster.
    #[arg(long, value_name = "URL")]
    pub redis: String,
    /// The adapter's key (the official default).
    #[arg(long, default_value = "socket.io")]
    pub key: String,
    /// Only the sockets in this room (repeatable).
    #[arg(long, value_name = "ROOM")]
    pub to: Vec<String>,
    /// Not the sockets in this room (repeatable).
    #[arg(long, value_name = "ROOM")]
    pub except: Vec<String>,
    /// The namespace.
    #[arg(long, short, default_value = "/")]
    pub namespace: String,
    /// The event name.
    pub event: String,
    /// The arguments, one JSON value each.
    pub args: Vec<String>,
}

/// `sio bench`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  sio bench http://127.0.0.1:3000 --workload echo --clients 100 --duration 10
  sio bench http://127.0.0.1:3000 --workload broadcast --clients 1000 --json

The server must speak the event contract of the project's BENCHMARKS.md on its main namespace at
/socket.io/ (`sio serve` does): echo, ack, broadcast, and room with the `room` query parameter.")]
pub struct BenchArgs {
    /// The server URL (`http://host:port`).
    pub url: String,
    /// What the clients do.
    #[arg(long, value_enum)]
    pub workload: BenchWorkload,
    /// Connections (handshakes for `handshakes`).
    #[arg(long, default_value_t = 100)]
    pub clients: usize,
    /// Seconds of measured load, after a short warm-up.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub duration: f64,
    /// Prints the result as one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Load-generator threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `--workload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchWorkload {
    /// `echo` events, 16 in flight per client.
    Echo,
    /// emit-with-ack, 16 in flight per client.
    Acks,
    /// one client broadcasts to all, 4 broadcasts in flight.
    Broadcast,
    /// rooms of 10 clients, each emitting to its room.
    Rooms,
    /// connect and disconnect, 128 in flight.
    Handshakes,
    /// idle connections held open.
    Idle,
}
