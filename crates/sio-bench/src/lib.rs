//! sio-bench: a native Socket.IO load generator and the harness that runs the benchmark workloads
//! against sio, a plain-websocket ceiling, socketioxide and Node socket.io, side by side (and, for the
//! cluster workload, three nodes of each on one Redis).
//!
//! The generator pre-encodes every frame (websocket framing included), runs one single-threaded tokio
//! runtime per core with one small task per connection, and reads the server's RSS and CPU time from
//! `/proc/<pid>`. See `BENCHMARKS.md` at the repository root for the event contract and the results.

pub mod chart;
pub mod client_side;
pub mod contract;
pub mod cores;
pub mod error;
pub mod fleet;
pub mod frames;
pub mod harness;
pub mod histogram;
pub mod live;
pub mod machine;
pub mod measure;
pub mod outcome;
pub mod peer_build;
pub mod polling_conn;
pub mod proc_stats;
pub mod progress;
pub mod redis_server;
pub mod remote;
pub mod report;
pub mod results_files;
pub mod rlimit;
pub mod scale;
pub mod server_kind;
pub mod server_process;
pub mod socketio_ws;
pub mod targets;
pub mod workload;
pub mod workloads;
pub mod ws_conn;
pub mod wt_conn;

pub use error::BenchError;
pub use harness::{run, Plan, Report};
pub use server_kind::ServerKind;
pub use workload::{Mode, Timing, Workload};
