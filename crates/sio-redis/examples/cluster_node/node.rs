//! Runs one cluster node until SIGTERM or Ctrl-C: the adapter, the contract, `listening on P`.

use crate::{contract, options};
use sio_server::{Server, ServerConfig};

/// Serves the contract with the adapter `options` ask for; prints `listening on P` once listening.
pub async fn run(options: options::NodeOptions) -> Result<(), Box<dyn std::error::Error>> {
    let adapter = options.adapter_factory().await?;
    let mut config = ServerConfig::default().adapter(adapter);
    if options.recovery {
        config = config.connection_state_recovery(Default::default());
    }
    let io = Server::new(config);
    contract::register(&io);
    let server = io.listen(("127.0.0.1", options.port)).await?;
    println!("listening on {}", server.local_addr().port());
    shutdown_signal().await;
    io.close().await;
    server.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
