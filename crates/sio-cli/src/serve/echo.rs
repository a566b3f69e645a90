//! The `/echo` namespace: every event goes back to its sender with the same name and arguments, or, when
//! the client asks for an acknowledgement, is acknowledged with its arguments instead (one catch-all
//! listener, which gets the acknowledgement as the official `onAny` does).

use sio_server::{AckSender, Server, Socket, Value};

/// The namespace's name.
pub const NAMESPACE: &str = "/echo";

/// Creates the namespace.
pub fn register(io: &Server) {
    io.of(NAMESPACE).on_connection(|socket: Socket| async move {
        socket.on_any(
            |socket: Socket, event: String, args: Vec<Value>, ack: AckSender| async move {
                if ack.is_requested() {
                    let _ = ack.send_args(args);
                } else {
                    let _ = socket.emit_args(&event, args);
                }
            },
        );
    });
}
