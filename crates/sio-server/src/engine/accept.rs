//! Accepting connections when file descriptors run out: surplus clients are accepted and closed at
//! once (as Node's libuv does) instead of waiting in the listen backlog until they give up, and the
//! failures are logged once per interval with a count rather than once per attempt.
//!
//! The trick needs one descriptor to accept with: the listener keeps a spare one open, lets it go
//! when an accept fails, accepts and closes what waits, then takes the spare again.

use futures_util::FutureExt;
use std::fs::File;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// At most one log line per this much time while accepts fail.
const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// How long the listener waits for the client whose accept failed, once it has a descriptor for it.
const FIRST_IN_LINE: Duration = Duration::from_millis(10);

/// How long the listener waits before trying again when an accept fails and no spare descriptor
/// could be had to turn the waiting clients away.
const RETRY_DELAY: Duration = Duration::from_millis(50);

/// A listener that survives running out of file descriptors.
pub(crate) struct Acceptor {
    listener: TcpListener,
    /// The spare descriptor, when it could be had.
    spare: Option<File>,
    log: FailureLog,
}

impl Acceptor {
    pub(crate) fn new(listener: TcpListener) -> Self {
        Acceptor {
            listener,
            spare: reserve(),
            log: FailureLog::default(),
        }
    }

    /// The next connection. When file descriptors run out, the clients waiting in the backlog are
    /// accepted and closed at once, and the listener waits for the next one.
    pub(crate) async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            match self.listener.accept().await {
                Ok(accepted) => {
                    self.log.recovered();
                    return accepted;
                }
                Err(e) => {
                    let refused = if is_fd_exhaustion(&e) {
                        self.turn_away().await
                    } else {
                        0
                    };
                    self.log.failed(&e, refused);
                    if refused == 0 {
                        tokio::time::sleep(RETRY_DELAY).await;
                    }
                }
            }
        }
    }

    /// Lets the spare descriptor go, accepts and closes every client waiting, and takes the spare
    /// again; returns how many clients were turned away.
    async fn turn_away(&mut self) -> u64 {
        if self.spare.take().is_none() {
            self.spare = reserve();
            return 0;
        }
        let mut refused = 0;
        // The client whose accept failed is first in line (the listener may not know it is ready
        // again yet); the others are taken while there are any. Each is dropped at once: the client
        // sees its connection closed.
        if let Ok(Ok(_)) = tokio::time::timeout(FIRST_IN_LINE, self.listener.accept()).await {
            refused += 1;
            while let Some(Ok(_)) = self.listener.accept().now_or_never() {
                refused += 1;
            }
        }
        self.spare = reserve();
        refused
    }
}

/// Whether an accept failed for want of file descriptors (the process's or the system's).
fn is_fd_exhaustion(error: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
    }
    #[cfg(not(unix))]
    {
        let _ = error;
        false
    }
}

/// The spare descriptor: any file will do.
fn reserve() -> Option<File> {
    File::open(if cfg!(windows) { "NUL" } else { "/dev/null" }).ok()
}

/// Accept failures, logged at most once per [`LOG_INTERVAL`] with what happened since the last line.
#[derive(Default)]
struct FailureLog {
    /// When the last line was written.
    logged_at: Option<Instant>,
    /// Failures and clients turned away since the last line.
    failures: u64,
    refused: u64,
    /// Failures since the last successful accept.
    failing: bool,
}

impl FailureLog {
    fn failed(&mut self, error: &io::Error, refused: u64) {
        self.failing = true;
        self.failures += 1;
        self.refused += refused;
        let now = Instant::now();
        if self
            .logged_at
            .is_some_and(|at| now.duration_since(at) < LOG_INTERVAL)
        {
            return;
        }
        tracing::warn!(
            error = %error,
            failures = self.failures,
            refused = self.refused,
            "accept failing: clients that cannot be served are closed at once"
        );
        self.logged_at = Some(now);
        self.failures = 0;
        self.refused = 0;
    }

    fn recovered(&mut self) {
        if !std::mem::take(&mut self.failing) {
            return;
        }
        tracing::warn!(
            failures = self.failures,
            refused = self.refused,
            "accepting again"
        );
        self.failures = 0;
        self.refused = 0;
        self.logged_at = None;
    }
}
