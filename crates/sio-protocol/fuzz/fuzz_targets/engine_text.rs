//! Fuzz target: `sio_protocol_fuzz::engine_text` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sio_protocol_fuzz::engine_text(data));
