//! `server_stats`: what the dashboard shows of each server, sent every interval with the engine activity
//! of the last interval counted per second (`aggregatedEvents`).

use crate::emitter::AdminEmitter;
use crate::event_buffer::EventBuffer;
use sio_protocol::value::Map;
use sio_server::{EngineActivity, Server, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The current second, in milliseconds since the epoch (JavaScript's `setMilliseconds(0)`).
fn this_second() -> u64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    secs * 1000
}

/// Counts the engine activity of `io` into a buffer the stats task empties.
pub(crate) fn count_activity(io: &Server) -> Arc<Mutex<EventBuffer>> {
    let buffer = Arc::new(Mutex::new(EventBuffer::default()));
    let counters = buffer.clone();
    io.on_engine_activity(move |activity| {
        let now = this_second();
        let mut buffer = counters.lock().unwrap_or_else(|e| e.into_inner());
        match activity {
            EngineActivity::Opened => buffer.push(now, "rawConnection", None, 1),
            EngineActivity::MessageReceived(bytes) => {
                buffer.push(now, "packetsIn", None, 1);
                buffer.push(now, "bytesIn", None, *bytes as u64);
            }
            EngineActivity::Closed(reason) => {
                buffer.push(now, "rawDisconnection", Some(reason.as_str()), 1)
            }
        }
    });
    buffer
}

/// What identifies this server in the dashboard.
pub(crate) struct Identity {
    pub(crate) server_id: String,
    pub(crate) hostname: String,
    pub(crate) started: Instant,
}

/// Sends `server_stats` now and every `interval`, until the task is aborted.
pub(crate) fn spawn(
    io: &Server,
    emitter: AdminEmitter,
    identity: Identity,
    buffer: Arc<Mutex<EventBuffer>>,
    interval: Duration,
) -> tokio::task::AbortHandle {
    let io = io.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let events = buffer.lock().unwrap_or_else(|e| e.into_inner()).take();
            emitter.emit("server_stats", vec![stats(&io, &identity, events)]);
        }
    })
    .abort_handle()
}

fn stats(io: &Server, identity: &Identity, events: Vec<Value>) -> Value {
    let namespaces = io
        .namespaces()
        .into_iter()
        .map(|nsp| {
            let mut map = Map::new();
            map.insert("name".into(), Value::String(nsp.name().into()));
            map.insert("socketsCount".into(), Value::from(nsp.sockets().len()));
            Value::Object(map)
        })
        .collect();
    let mut map = Map::new();
    map.insert("serverId".into(), Value::String(identity.server_id.clone()));
    map.insert("hostname".into(), Value::String(identity.hostname.clone()));
    map.insert("pid".into(), Value::from(std::process::id()));
    map.insert(
        "uptime".into(),
        Value::from(identity.started.elapsed().as_secs_f64()),
    );
    map.insert("clientsCount".into(), Value::from(io.clients_count()));
    map.insert(
        "pollingClientsCount".into(),
        Value::from(io.polling_clients_count()),
    );
    map.insert("aggregatedEvents".into(), Value::Array(events));
    map.insert("namespaces".into(), Value::Array(namespaces));
    Value::Object(map)
}
