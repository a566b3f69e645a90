//! `sio`: Socket.IO from the command line. `sio serve` runs a demo server, `sio connect` a client session
//! (interactive or scripted), `sio emit` sends into a Redis cluster, `sio bench` generates load.

mod args;
mod bench;
mod cli;
mod connect;
mod emit;
mod failure;
mod serve;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use failure::Failure;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => runtime().and_then(|rt| rt.block_on(serve::run(args))),
        Command::Connect(args) => runtime().and_then(|rt| rt.block_on(connect::run(args))),
        Command::Emit(args) => runtime().and_then(|rt| rt.block_on(emit::run(args))),
        Command::Bench(args) => bench::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "sio", &mut std::io::stdout());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("sio: {failure}");
            ExitCode::from(failure.code)
        }
    }
}

/// The multi-threaded tokio runtime the network commands run on.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Logs `tracing` events at `default` level (or as `RUST_LOG` says) on stderr.
fn init_logging(default: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default.into()),
        )
        .with_writer(std::io::stderr)
        .init();
}
