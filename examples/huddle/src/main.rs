//! The huddle server: `huddle [ADDR]` (default `127.0.0.1:3100`), users from `HUDDLE_USERS`
//! (`token=name,...`; without it, the demo users `t-ann=ann,t-bob=bob,t-cy=cy`). Stops on Ctrl-C or
//! SIGTERM: every connection is closed (clients see `transport close`) and the process exits at once.

use huddle::server::{serve, socket_server};
use huddle::state::Huddle;

const DEMO_USERS: &str = "t-ann=ann,t-bob=bob,t-cy=cy";

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run().await {
        eprintln!("huddle: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3100".to_owned());
    let users = std::env::var("HUDDLE_USERS").unwrap_or_else(|_| DEMO_USERS.to_owned());
    let users = Huddle::parse_users(&users).map_err(|e| format!("HUDDLE_USERS: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    // The first line of output says where to connect (the tests read it).
    println!("huddle on http://{local}");
    // sio's counters (its `metrics` feature), served at /metrics.
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
    let io = socket_server(Huddle::new(users));
    serve(listener, io, Some(metrics), stop_signal())
        .await
        .map_err(|e| e.to_string())?;
    println!("huddle stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return ctrl_c.await,
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await
}
