//! The `io(url, options)` entry point: a socket for the URL's namespace, on a shared or new manager.

use crate::error::Error;
use crate::events::lock;
use crate::manager::{Manager, WeakManager};
use crate::options::Options;
use crate::socket::Socket;
use crate::url::ParsedUrl;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

fn cache() -> &'static Mutex<HashMap<String, WeakManager>> {
    static CACHE: OnceLock<Mutex<HashMap<String, WeakManager>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// Returns a socket for the namespace in the URL's path (`/` by default); the URL's query is sent too.
///
/// Managers are shared per scheme, host, port and `path` option, so several namespaces of one server use
/// one connection; a new manager is created with `force_new`, `multiplex: false`, or when the cached manager
/// already has a socket for this namespace. The cache does not keep managers alive: once every socket of a
/// manager is dropped, the next call creates a new one. Must be called within a tokio runtime.
///
/// ```no_run
/// # async fn run() -> Result<(), sio_client::Error> {
/// let socket = sio_client::io("http://localhost:3000/admin?token=abc", Default::default())?;
/// socket.on_connect(|| println!("connected"));
/// socket.connect().await?;
/// # Ok(()) }
/// ```
pub fn io(url: &str, opts: Options) -> Result<Socket, Error> {
    let parsed = ParsedUrl::parse(url)?;
    let key = format!("{}{}", parsed.origin(), opts.engine_path());
    let nsp = parsed.nsp.clone();
    let auth = Some(opts.auth.clone());
    let new_connection = opts.force_new || !opts.multiplex;
    let manager = if new_connection {
        Manager::from_parsed(&parsed, opts)?
    } else {
        let mut cache = lock(cache());
        cache.retain(|_, m| m.upgrade().is_some_and(|m| m.is_running()));
        match cache.get(&key).and_then(WeakManager::upgrade) {
            Some(m) if m.is_running() && !m.has_namespace(&nsp) => m.clone(),
            Some(m) if m.is_running() => {
                drop(cache);
                return Manager::from_parsed(&parsed, opts).map(|m| m.socket(&nsp, auth));
            }
            _ => {
                let m = Manager::from_parsed(&parsed, opts)?;
                cache.insert(key, m.downgrade());
                m
            }
        }
    };
    Ok(manager.socket(&nsp, auth))
}
