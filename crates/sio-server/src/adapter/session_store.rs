//! The in-memory store of connection state recovery: disconnected sessions and the log of broadcast packets,
//! each kept for `maxDisconnectionDuration`, the log bounded in length.

use super::{BroadcastOptions, MissedPacket, Room, Session, SessionToPersist};
use crate::recovery::ConnectionStateRecovery;
use sio_protocol::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct StoredSession {
    session: SessionToPersist,
    disconnected_at: Instant,
}

struct StoredPacket {
    offset: u64,
    event: String,
    args: Vec<Value>,
    rooms: HashSet<Room>,
    except: HashSet<Room>,
    emitted_at: Instant,
}

#[derive(Default)]
struct State {
    sessions: HashMap<String, StoredSession>,
    packets: VecDeque<StoredPacket>,
    next_offset: u64,
    last_sweep: Option<Instant>,
}

/// Sessions and packets of one namespace for connection state recovery. Expired entries are dropped lazily
/// on every operation (sessions at most once a second), so the store needs no timer task.
pub(crate) struct SessionStore {
    max_duration: Duration,
    max_packets: usize,
    state: Mutex<State>,
}

impl SessionStore {
    pub(crate) fn new(options: &ConnectionStateRecovery) -> Self {
        SessionStore {
            max_duration: options.max_disconnection_duration,
            max_packets: options.max_stored_packets.max(1),
            state: Mutex::new(State {
                next_offset: 1,
                ..State::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn expired(&self, since: Instant, now: Instant) -> bool {
        now.saturating_duration_since(since) > self.max_duration
    }

    fn sweep(&self, state: &mut State, now: Instant) {
        while let Some(front) = state.packets.front() {
            if !self.expired(front.emitted_at, now) {
                break;
            }
            state.packets.pop_front();
        }
        let due = state
            .last_sweep
            .is_none_or(|last| now.saturating_duration_since(last) >= Duration::from_secs(1));
        if due {
            state.last_sweep = Some(now);
            state.sessions.retain(|_, s| {
                now.saturating_duration_since(s.disconnected_at) <= self.max_duration
            });
        }
    }

    /// Records an outgoing event and returns its offset (to append as its last argument).
    pub(crate) fn record(&self, event: &str, args: &[Value], opts: &BroadcastOptions) -> String {
        let now = Instant::now();
        let mut state = self.lock();
        self.sweep(&mut state, now);
        let offset = state.next_offset;
        state.next_offset += 1;
        let offset_str = offset.to_string();
        let mut args = args.to_vec();
        args.push(Value::String(offset_str.clone()));
        if state.packets.len() >= self.max_packets {
            state.packets.pop_front();
        }
        state.packets.push_back(StoredPacket {
            offset,
            event: event.to_owned(),
            args,
            rooms: opts.rooms.clone(),
            except: opts.except.clone(),
            emitted_at: now,
        });
        offset_str
    }

    /// Keeps a session disconnected now.
    pub(crate) fn persist(&self, session: SessionToPersist) {
        let now = Instant::now();
        let mut state = self.lock();
        self.sweep(&mut state, now);
        state.sessions.insert(
            session.pid.clone(),
            StoredSession {
                session,
                disconnected_at: now,
            },
        );
    }

    /// Takes back a session and the packets it missed after `offset`; `None` when the session is unknown or
    /// expired, or the offset is no longer (or was never) in the log.
    pub(crate) fn restore(&self, pid: &str, offset: &str) -> Option<Session> {
        let now = Instant::now();
        let mut state = self.lock();
        self.sweep(&mut state, now);
        let stored = state.sessions.remove(pid)?;
        if self.expired(stored.disconnected_at, now) {
            return None;
        }
        let offset: u64 = offset.parse().ok()?;
        let first = state.packets.front()?.offset;
        if offset < first {
            // the log no longer holds this packet: the client may have missed dropped ones
            tracing::debug!(
                pid,
                offset,
                first,
                "offset no longer stored, not recovering"
            );
            return None;
        }
        let index = usize::try_from(offset - first).ok()?;
        if index >= state.packets.len() {
            return None;
        }
        let rooms = &stored.session.rooms;
        let missed_packets = state
            .packets
            .iter()
            .skip(index + 1)
            .filter(|p| {
                let included = p.rooms.is_empty() || rooms.iter().any(|r| p.rooms.contains(r));
                let excluded = rooms.iter().any(|r| p.except.contains(r));
                included && !excluded
            })
            .map(|p| MissedPacket {
                event: p.event.clone(),
                args: p.args.clone(),
            })
            .collect();
        let SessionToPersist {
            sid,
            pid,
            rooms,
            data,
        } = stored.session;
        Some(Session {
            sid,
            pid,
            rooms,
            data,
            missed_packets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(max_packets: usize, max_duration: Duration) -> SessionStore {
        SessionStore::new(
            &ConnectionStateRecovery::default()
                .max_stored_packets(max_packets)
                .max_disconnection_duration(max_duration),
        )
    }

    fn session(pid: &str, rooms: &[&str]) -> SessionToPersist {
        SessionToPersist {
            sid: format!("sid-{pid}"),
            pid: pid.to_owned(),
            rooms: rooms.iter().map(|r| r.to_string()).collect(),
            data: Value::Null,
        }
    }

    fn to(rooms: &[&str], except: &[&str]) -> BroadcastOptions {
        BroadcastOptions {
            rooms: rooms.iter().map(|r| r.to_string()).collect(),
            except: except.iter().map(|r| r.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn restores_the_packets_missed_after_the_offset_for_the_sessions_rooms() {
        let s = store(100, Duration::from_secs(60));
        let last = s.record("a", &[], &to(&[], &[]));
        s.persist(session("p", &["sid-p", "r1"]));
        s.record("all", &[Value::from(1)], &to(&[], &[]));
        s.record("r1", &[], &to(&["r1"], &[]));
        s.record("r2", &[], &to(&["r2"], &[]));
        s.record("not-r1", &[], &to(&[], &["r1"]));
        s.record("mine", &[], &to(&["sid-p"], &[]));
        let restored = s.restore("p", &last).expect("recovered");
        assert_eq!(restored.sid, "sid-p");
        let events: Vec<&str> = restored
            .missed_packets
            .iter()
            .map(|p| p.event.as_str())
            .collect();
        assert_eq!(events, ["all", "r1", "mine"]);
        assert_eq!(
            restored.missed_packets[0].args.len(),
            2,
            "argument + offset"
        );
        assert!(
            s.restore("p", &last).is_none(),
            "a session is restored once"
        );
    }

    #[test]
    fn unknown_sessions_and_offsets_are_not_recovered() {
        let s = store(100, Duration::from_secs(60));
        let last = s.record("a", &[], &to(&[], &[]));
        assert!(s.restore("unknown", &last).is_none());
        s.persist(session("p", &[]));
        assert!(s.restore("p", "not-an-offset").is_none());
        s.persist(session("p", &[]));
        assert!(s.restore("p", "999").is_none());
    }

    #[test]
    fn the_packet_bound_drops_the_oldest_and_their_sessions_are_not_recovered() {
        let s = store(2, Duration::from_secs(60));
        let first = s.record("1", &[], &to(&[], &[]));
        s.persist(session("p", &[]));
        let second = s.record("2", &[], &to(&[], &[]));
        s.record("3", &[], &to(&[], &[]));
        assert!(
            s.restore("p", &first).is_none(),
            "offset dropped by the bound"
        );
        s.persist(session("p", &[]));
        let restored = s.restore("p", &second).expect("still stored");
        assert_eq!(restored.missed_packets.len(), 1);
    }

    #[test]
    fn expired_sessions_are_not_recovered() {
        let s = store(100, Duration::from_millis(20));
        let last = s.record("a", &[], &to(&[], &[]));
        s.persist(session("p", &[]));
        std::thread::sleep(Duration::from_millis(60));
        assert!(s.restore("p", &last).is_none());
    }
}
