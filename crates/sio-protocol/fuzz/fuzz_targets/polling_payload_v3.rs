//! Fuzz target: `sio_protocol_fuzz::polling_payload_v3` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sio_protocol_fuzz::polling_payload_v3(data));
