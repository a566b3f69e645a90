//! The emitters both ways: sio's `Emitter` against Node servers, and the official
//! `@socket.io/redis-emitter` against Rust servers.
