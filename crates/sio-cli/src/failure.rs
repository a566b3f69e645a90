//! Why a command failed, and the exit code that says so.

use std::fmt;

/// Exit code of a failure: the connection was refused or lost, an ack failed, a server could not start.
pub const FAILED: u8 = 1;
/// Exit code of bad input (clap uses it for its own usage errors too).
pub const USAGE: u8 = 2;
/// Exit code when `--timeout` passed before everything asked for happened (as `timeout(1)` exits).
pub const TIMED_OUT: u8 = 124;

/// A failed command: a message for stderr and the process's exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// What went wrong.
    pub message: String,
}

impl Failure {
    /// A failure with [`FAILED`].
    pub fn failed(message: impl Into<String>) -> Self {
        Failure {
            code: FAILED,
            message: message.into(),
        }
    }

    /// A failure with [`USAGE`].
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: USAGE,
            message: message.into(),
        }
    }

    /// A failure with [`TIMED_OUT`].
    pub fn timed_out(message: impl Into<String>) -> Self {
        Failure {
            code: TIMED_OUT,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::failed(e.to_string())
    }
}
