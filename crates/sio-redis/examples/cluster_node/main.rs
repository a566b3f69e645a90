//! A Socket.IO server that joins a cluster through Redis and lets a client drive every cluster operation
//! (the contract in docs/cluster-node.md; `tests/js/cluster/node.js` is its twin on the official packages).
//!
//! ```sh
//! cargo run --release -p sio-redis --example cluster_node -- --port 3001 --redis redis://127.0.0.1:6379
//! ```

mod contract;
mod node;
mod options;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let options = match options::NodeOptions::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("cluster_node: {message}\n\n{}", options::USAGE);
            std::process::exit(2);
        }
    };
    if let Err(error) = node::run(options).await {
        eprintln!("cluster_node: {error}");
        std::process::exit(1);
    }
}
