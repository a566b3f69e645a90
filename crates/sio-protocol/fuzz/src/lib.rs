//! The bodies of the fuzz targets, one per decoder; `sio-protocol`'s `fuzz_smoke` test runs them on stable.

#[path = "targets.rs"]
mod targets;

pub use targets::{
    client_frame, default_parser, engine_text, msgpack_parser, polling_payload, polling_payload_v3,
    websocket_frames,
};
