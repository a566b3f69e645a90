//! Counters through the [`metrics`](https://docs.rs/metrics) facade, with the `metrics` feature (without
//! it, these calls compile to nothing). The application installs the recorder (a Prometheus exporter...):
//!
//! | name | kind | what |
//! | --- | --- | --- |
//! | `sio_sockets_connected` | gauge, label `nsp` | sockets connected to each namespace |
//! | `sio_events_received_total` | counter | events received from clients |
//! | `sio_packets_sent_total` | counter | Socket.IO packets written to connections (events, acks, connects; a broadcast counts once per recipient) |
//! | `sio_bytes_received_total` | counter | Engine.IO message bytes received |
//! | `sio_bytes_sent_total` | counter | Engine.IO message bytes written |

/// A socket connected to `nsp`.
#[inline]
pub(crate) fn socket_connected(nsp: &str) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("sio_sockets_connected", "nsp" => nsp.to_owned()).increment(1.0);
    #[cfg(not(feature = "metrics"))]
    let _ = nsp;
}

/// A socket of `nsp` disconnected.
#[inline]
pub(crate) fn socket_disconnected(nsp: &str) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("sio_sockets_connected", "nsp" => nsp.to_owned()).decrement(1.0);
    #[cfg(not(feature = "metrics"))]
    let _ = nsp;
}

/// An event arrived from a client.
#[inline]
pub(crate) fn event_received() {
    #[cfg(feature = "metrics")]
    metrics::counter!("sio_events_received_total").increment(1);
}

/// A packet of `bytes` (its Engine.IO messages together) was written to a connection.
#[inline]
pub(crate) fn packet_sent(bytes: usize) {
    #[cfg(feature = "metrics")]
    {
        metrics::counter!("sio_packets_sent_total").increment(1);
        metrics::counter!("sio_bytes_sent_total").increment(bytes as u64);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = bytes;
}

/// An Engine.IO message of `bytes` arrived.
#[inline]
pub(crate) fn message_received(bytes: usize) {
    #[cfg(feature = "metrics")]
    metrics::counter!("sio_bytes_received_total").increment(bytes as u64);
    #[cfg(not(feature = "metrics"))]
    let _ = bytes;
}
