//! Local room membership counts, for transports that subscribe per room (the Redis sharded adapter's
//! dynamic modes): tells the transport when a local room gets its first member or loses its last one.

use crate::transport::Transport;
use sio_server::adapter::{Adapter, InMemoryAdapter, Room};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// How many local sockets are in each room.
#[derive(Default)]
pub(crate) struct RoomCounts {
    counts: Mutex<HashMap<Room, usize>>,
}

fn rooms_of(local: &InMemoryAdapter, id: &str) -> HashSet<Room> {
    local
        .socket_rooms(id)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

impl RoomCounts {
    /// Runs a membership change of socket `id` and reports the rooms it created or deleted. The counts
    /// stay locked during the change so that the events of one room come in order.
    pub fn change<T: Transport>(
        &self,
        local: &InMemoryAdapter,
        transport: &T,
        id: &str,
        change: impl FnOnce(),
    ) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let before = rooms_of(local, id);
        change();
        let after = rooms_of(local, id);
        for room in after.difference(&before) {
            let n = counts.entry(room.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                transport.room_created(room, room == id);
            }
        }
        for room in before.difference(&after) {
            if let Some(n) = counts.get_mut(room) {
                *n -= 1;
                if *n == 0 {
                    counts.remove(room);
                    transport.room_deleted(room, room == id);
                }
            }
        }
    }
}
