//! The per-second counters of engine activity (`EventBuffer` in the official package).

use sio_protocol::value::Map;
use sio_server::Value;

/// The counters of one interval, in the order they were first incremented.
#[derive(Default)]
pub(crate) struct EventBuffer {
    entries: Vec<Entry>,
}

struct Entry {
    /// The second, in milliseconds since the epoch.
    timestamp: u64,
    kind: &'static str,
    sub_kind: Option<&'static str>,
    count: u64,
}

impl EventBuffer {
    /// Adds `count` to the counter of (`timestamp`, `kind`, `sub_kind`).
    pub(crate) fn push(
        &mut self,
        timestamp: u64,
        kind: &'static str,
        sub_kind: Option<&'static str>,
        count: u64,
    ) {
        // Few distinct counters per interval (a handful of kinds over a few seconds): a scan is enough.
        let found = self
            .entries
            .iter_mut()
            .rev()
            .find(|e| e.timestamp == timestamp && e.kind == kind && e.sub_kind == sub_kind);
        match found {
            Some(entry) => entry.count += count,
            None => self.entries.push(Entry {
                timestamp,
                kind,
                sub_kind,
                count,
            }),
        }
    }

    /// The counters as the dashboard reads them, and a fresh start.
    pub(crate) fn take(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.entries)
            .into_iter()
            .map(|e| {
                let mut map = Map::new();
                map.insert("timestamp".into(), Value::from(e.timestamp));
                map.insert("type".into(), Value::String(e.kind.into()));
                if let Some(sub) = e.sub_kind {
                    map.insert("subType".into(), Value::String(sub.into()));
                }
                map.insert("count".into(), Value::from(e.count));
                Value::Object(map)
            })
            .collect()
    }
}
