//! The acks' deadlines of one manager: one ordered queue and one timer on the manager's task, instead of a
//! timer task per pending ack. An answered ack takes its deadline out, so the queue holds only the acks
//! still waiting (bounded as they are, by [`crate::Bounds::buffered_emits`] per socket).

use std::collections::BTreeMap;
use std::pin::Pin;
use tokio::time::{sleep_until, Instant, Sleep};

/// Where an ack's deadline sits in the queue, to take it out when the answer comes.
pub(super) type DeadlineKey = (Instant, u64);

pub(super) struct Deadlines {
    /// (deadline, insertion number) to the namespace and ack id.
    queue: BTreeMap<DeadlineKey, (String, u64)>,
    added: u64,
    /// Set to the earliest deadline when waiting.
    timer: Pin<Box<Sleep>>,
}

impl Deadlines {
    pub fn new() -> Deadlines {
        Deadlines {
            queue: BTreeMap::new(),
            added: 0,
            timer: Box::pin(sleep_until(Instant::now())),
        }
    }

    /// Ack `id` of `nsp` times out at `at`.
    pub fn add(&mut self, at: Instant, nsp: &str, id: u64) -> DeadlineKey {
        self.added += 1;
        let key = (at, self.added);
        self.queue.insert(key, (nsp.to_owned(), id));
        key
    }

    /// The ack was answered, or failed otherwise.
    pub fn remove(&mut self, key: DeadlineKey) {
        self.queue.remove(&key);
    }

    /// Waits for the earliest deadline and returns its namespace and ack id; pending while none is set.
    /// Cancel-safe: a deadline is taken out only when this returns it.
    pub async fn expired(&mut self) -> (String, u64) {
        loop {
            let Some(&(at, _)) = self.queue.keys().next() else {
                return std::future::pending().await;
            };
            if self.timer.deadline() != at {
                self.timer.as_mut().reset(at);
            }
            self.timer.as_mut().await;
            if let Some(entry) = self.queue.first_entry() {
                if entry.key().0 <= Instant::now() {
                    return entry.remove();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn returns_deadlines_in_order_and_forgets_removed_ones() {
        let mut deadlines = Deadlines::new();
        let now = Instant::now();
        deadlines.add(now + Duration::from_secs(3), "/", 3);
        let removed = deadlines.add(now + Duration::from_secs(1), "/", 1);
        deadlines.add(now + Duration::from_secs(2), "/a", 2);
        deadlines.add(now + Duration::from_secs(2), "/", 4);
        deadlines.remove(removed);
        assert_eq!(deadlines.expired().await, ("/a".to_owned(), 2));
        assert_eq!(Instant::now() - now, Duration::from_secs(2));
        assert_eq!(deadlines.expired().await, ("/".to_owned(), 4));
        assert_eq!(deadlines.expired().await, ("/".to_owned(), 3));
        assert_eq!(Instant::now() - now, Duration::from_secs(3));
        let nothing = tokio::time::timeout(Duration::from_secs(60), deadlines.expired()).await;
        assert!(nothing.is_err());
    }
}
