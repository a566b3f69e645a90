//! The admin namespace's authentication: basic (username and bcrypt-hashed password), then a session id
//! the dashboard keeps to reconnect without the password.

use crate::store::SessionStore;
use crate::AdminError;
use sio_server::{MiddlewareError, Namespace, Socket, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Sessions granted by the middleware, waiting for their socket to connect to be sent (the dashboard
/// receives `session` right after `connect`, as with the official package).
#[derive(Default)]
pub(crate) struct Granted(Mutex<HashMap<String, String>>);

/// How many granted sessions may wait for their sockets (a socket that never connects leaves its entry).
const MAX_WAITING: usize = 1024;

impl Granted {
    fn put(&self, socket_id: &str, session_id: String) {
        let mut waiting = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if waiting.len() >= MAX_WAITING {
            waiting.clear();
        }
        waiting.insert(socket_id.to_owned(), session_id);
    }

    /// Sends its session id to a socket that just connected, if it logged in with the password.
    pub(crate) fn deliver(&self, socket: &Socket) {
        let session = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(socket.id());
        if let Some(session) = session {
            let _ = socket.emit("session", &session);
        }
    }
}

/// Checks a bcrypt hash (`getRounds` in the official package).
pub(crate) fn check_hash(hash: &str) -> Result<(), AdminError> {
    hash.parse::<bcrypt::HashParts>()
        .map(|_| ())
        .map_err(|_| AdminError::InvalidPasswordHash)
}

/// Adds the basic authentication middleware to the admin namespace.
pub(crate) fn basic(
    admin: &Namespace,
    username: String,
    password_hash: String,
    store: Arc<dyn SessionStore>,
    granted: Arc<Granted>,
) {
    let username = Arc::new(username);
    let password_hash = Arc::new(password_hash);
    admin.use_middleware(move |socket: Socket| {
        let (username, password_hash) = (username.clone(), password_hash.clone());
        let (store, granted) = (store.clone(), granted.clone());
        async move {
            let auth = socket.handshake().auth();
            if let Some(Value::String(session)) = auth.get("sessionId") {
                if store.exists(session).await {
                    tracing::debug!("admin authentication with a valid session id");
                    return Ok(());
                }
            }
            let user = auth.get("username").and_then(Value::as_str);
            let password = auth.get("password").and_then(Value::as_str);
            if let (Some(user), Some(password)) = (user, password) {
                if user == username.as_str() && verify(password, &password_hash).await {
                    let session = session_id();
                    store.save(session.clone()).await;
                    granted.put(socket.id(), session);
                    tracing::debug!("admin authentication with valid credentials");
                    return Ok(());
                }
            }
            tracing::debug!("admin authentication: invalid credentials");
            Err(MiddlewareError::new("invalid credentials"))
        }
    });
}

/// Checks a password off the runtime's threads (bcrypt is slow on purpose).
async fn verify(password: &str, hash: &Arc<String>) -> bool {
    let (password, hash) = (password.to_owned(), hash.clone());
    tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
        .await
        .unwrap_or(false)
}

/// A random session id: 8 bytes in hexadecimal, as the official package makes them.
fn session_id() -> String {
    let bytes: [u8; 8] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
