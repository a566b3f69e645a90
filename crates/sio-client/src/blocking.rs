//! A blocking facade for programs without an async runtime: it owns a runtime on a background thread.

use crate::error::{AckError, Cause, Error};
use crate::incoming::Event;
use crate::options::Options;
use crate::ListenerId;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// A socket driven by its own runtime; every method blocks the calling thread.
///
/// Safe to use from anywhere, including inside a tokio runtime: the work always runs on the facade's own
/// runtime threads, never on the caller's.
///
/// ```no_run
/// let socket = sio_client::blocking::Socket::connect("http://localhost:3000", Default::default())?;
/// socket.on("news", |e| println!("{:?}", e.args));
/// socket.emit("hello", &"world")?;
/// let answer: String = socket.emit_with_ack("ping", &(), std::time::Duration::from_secs(5))?;
/// socket.disconnect();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Socket {
    runtime: Arc<OwnedRuntime>,
    inner: crate::Socket,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl Socket {
    /// Connects to the URL's namespace and waits for the server to accept it.
    pub fn connect(url: &str, opts: Options) -> Result<Socket, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| Error::NoRuntime(Cause::new(e)))?;
        let runtime = Arc::new(OwnedRuntime(Some(runtime)));
        let url = url.to_owned();
        let inner = block(runtime.get()?, async move {
            let socket = crate::io(&url, opts)?;
            socket.connect().await?;
            Ok::<_, Error>(socket)
        })??;
        Ok(Socket { runtime, inner })
    }

    /// The async socket underneath (usable from the facade's runtime).
    pub fn as_async(&self) -> &crate::Socket {
        &self.inner
    }

    /// See [`crate::Socket::emit`].
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.inner.emit(event, data)
    }

    /// Emits and blocks until the ack arrives or `timeout` passes.
    pub fn emit_with_ack<T: Serialize + ?Sized, R: DeserializeOwned + Send + 'static>(
        &self,
        event: &str,
        data: &T,
        timeout: Duration,
    ) -> Result<R, AckError> {
        let fut = self
            .inner
            .timeout(timeout)
            .emit_with_ack::<T, R>(event, data);
        block(self.runtime.get()?, fut)?
    }

    /// See [`crate::Socket::on`].
    pub fn on(&self, event: &str, f: impl Fn(Event) + Send + Sync + 'static) -> ListenerId {
        self.inner.on(event, f)
    }

    /// See [`crate::Socket::connected`].
    pub fn connected(&self) -> bool {
        self.inner.connected()
    }

    /// See [`crate::Socket::id`].
    pub fn id(&self) -> Option<String> {
        self.inner.id()
    }

    /// Disconnects (`io client disconnect`).
    pub fn disconnect(&self) {
        self.inner.disconnect();
    }
}

/// The facade's runtime; shut down in the background on drop so that dropping the last handle is fine
/// even inside another runtime.
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl OwnedRuntime {
    fn get(&self) -> Result<&tokio::runtime::Runtime, Error> {
        self.0.as_ref().ok_or(Error::Closed)
    }
}

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Runs `fut` on `runtime` and waits for it from a thread that is not a runtime worker, so that it
/// works whether or not the caller is inside a runtime.
fn block<F>(runtime: &tokio::runtime::Runtime, fut: F) -> Result<F::Output, Error>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handle = runtime.spawn(fut);
    let rt = runtime.handle().clone();
    let joined = std::thread::scope(|s| s.spawn(move || rt.block_on(handle)).join());
    match joined {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Ok(Err(_)) => Err(Error::Closed),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
