//! Building the socketioxide peer, a separate cargo package outside the workspace.

use crate::error::BenchError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `crates/sio-bench/peers/socketioxide-server` of the repository at `root` (with its committed
/// lockfile) into `target/peers`, and returns the binary's path.
pub fn build_socketioxide(root: &Path, release: bool) -> Result<PathBuf, BenchError> {
    let manifest = root.join("crates/sio-bench/peers/socketioxide-server/Cargo.toml");
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
            "building the socketioxide peer failed ({status})"
        )));
    }
    let bin = target_dir
        .join(if release { "release" } else { "debug" })
        .join("socketioxide-bench-server");
    if !bin.exists() {
        return Err(BenchError::Server(format!("{} missing", bin.display())));
    }
    Ok(bin)
}
