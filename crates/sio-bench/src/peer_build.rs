//! Building the Rust peers (socketioxide's server, rust_socketio's client): separate cargo packages
//! outside the workspace, each with its own committed lockfile.

use crate::error::BenchError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the socketioxide peer server and returns the binary's path.
pub fn build_socketioxide(root: &Path, release: bool) -> Result<PathBuf, BenchError> {
    build(
        root,
        "socketioxide-server",
        "socketioxide-bench-server",
        release,
    )
}

/// Builds the rust_socketio peer client and returns the binary's path.
pub fn build_rust_socketio(root: &Path, release: bool) -> Result<PathBuf, BenchError> {
    build(
        root,
        "rust-socketio-client",
        "rust-socketio-bench-client",
        release,
    )
}

/// Builds `crates/sio-bench/peers/<dir>` of the repository at `root` (with its committed lockfile) into
/// `target/peers`, and returns the path of its binary `bin`.
fn build(root: &Path, dir: &str, bin: &str, release: bool) -> Result<PathBuf, BenchError> {
    let manifest = root.join(format!("crates/sio-bench/peers/{dir}/Cargo.toml"));
    let target_dir = root.join("target/peers");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--locked")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir);
    if release {
        cmd.arg("--release");
    }
    // Do not inherit the outer build's configuration (e.g. when run from `cargo test`).
    for var in ["CARGO_TARGET_DIR", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .map_err(|e| BenchError::Server(format!("cannot run cargo: {e}")))?;
    if !status.success() {
        return Err(BenchError::Server(format!(
            "building the {dir} peer failed ({status})"
        )));
    }
    let bin = target_dir
        .join(if release { "release" } else { "debug" })
        .join(bin);
    if !bin.exists() {
        return Err(BenchError::Server(format!("{} missing", bin.display())));
    }
    Ok(bin)
}
