//! Running a future the caller cannot await: at once when it completes without waiting, else on a task
//! of its own. The common case (an in-memory adapter, a namespace without asynchronous middlewares)
//! then costs no task, and keeps the order of what the caller does next.

use futures_util::FutureExt;
use std::future::Future;

/// Polls `fut` once where it is; spawns the rest if it has to wait.
pub(crate) fn now_or_spawn<F>(fut: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let mut fut = Box::pin(fut);
    if (&mut fut).now_or_never().is_none() {
        tokio::spawn(fut);
    }
}
