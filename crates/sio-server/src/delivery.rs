//! How one packet is handed to a connection: the `volatile` and `compress` flags that matter there.

use crate::adapter::BroadcastFlags;

/// The per-packet flags a connection's send honours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Delivery {
    /// Dropped if the transport is not writable right now.
    pub volatile: bool,
    /// May use permessage-deflate (`compress(false)` clears it).
    pub compress: bool,
}

impl Delivery {
    /// A packet of the protocol's own (connect, disconnect, ack): kept, compressed as usual.
    pub(crate) const PLAIN: Delivery = Delivery {
        volatile: false,
        compress: true,
    };

    /// The delivery an emit or broadcast with `flags` asks for (compressed unless `compress(false)`,
    /// as socket.io's `opts.compress = false !== opts.compress`).
    pub(crate) fn of(flags: &BroadcastFlags) -> Delivery {
        Delivery {
            volatile: flags.volatile,
            compress: flags.compress != Some(false),
        }
    }
}
