//! The `/echo` namespace: every event goes back to its sender with the same name and arguments, or, when
//! the client asks for an acknowledgement, is acknowledged with its arguments instead.
//!
//! sio-server's catch-all listener (`on_any`, as in the official server) cannot answer acks, so a
//! per-packet middleware gives each new event name its own echo listener the first time it arrives,
//! before the listeners run; a socket gets at most [`MAX_EVENT_NAMES`] of them.

use sio_server::{AckSender, IncomingEvent, MiddlewareError, Server, Socket, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The namespace's name.
pub const NAMESPACE: &str = "/echo";

/// Distinct event names echoed per socket; later new names are refused (the socket's `error` listeners
/// hear of it, as with any refused packet).
const MAX_EVENT_NAMES: usize = 256;

/// Creates the namespace.
pub fn register(io: &Server) {
    io.of(NAMESPACE).on_connection(|socket: Socket| async move {
        let names = Arc::new(AtomicUsize::new(0));
        socket.use_middleware(move |socket: Socket, incoming: IncomingEvent| {
            let names = names.clone();
            async move {
            if socket.listeners(&incoming.event).is_empty() {
                if names.fetch_add(1, Ordering::Relaxed) >= MAX_EVENT_NAMES {
                    return Err(MiddlewareError::new(format!(
                        "{NAMESPACE} echoes at most {MAX_EVENT_NAMES} distinct events per connection"
                    )));
                }
                let event = incoming.event.clone();
                socket.on(
                    incoming.event.clone(),
                    move |socket: Socket, args: Vec<Value>, ack: AckSender| {
                        let event = event.clone();
                        async move {
                            if ack.is_requested() {
                                let _ = ack.send_args(args);
                            } else {
                                let _ = socket.emit_args(&event, args);
                            }
                        }
                    },
                );
            }
            Ok(incoming)
            }
        });
    });
}
