//! Redis restarted in the middle of traffic.
