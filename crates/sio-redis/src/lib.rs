//! Redis for sio: cluster adapters and an emitter that speak the official Node packages' wire formats, so
//! that Rust and Node servers share one cluster.
