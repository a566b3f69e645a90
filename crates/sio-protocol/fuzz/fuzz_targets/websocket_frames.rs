//! Fuzz target: `sio_protocol_fuzz::websocket_frames` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sio_protocol_fuzz::websocket_frames(data));
