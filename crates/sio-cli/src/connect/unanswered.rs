//! The server's requests for an acknowledgement that the user has not answered yet (`ack ID JSON...`),
//! by namespace and ack id; the oldest are forgotten past a bound (the server's own timeout has fired for
//! them long before).

use sio_client::AckSender;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

/// Requests kept at most.
const KEPT: usize = 256;

/// The unanswered requests of a session, shared with the listeners that receive them.
#[derive(Clone, Default)]
pub struct Unanswered(Arc<Mutex<VecDeque<(String, AckSender)>>>);

impl Unanswered {
    /// Keeps a request received on `nsp`.
    pub fn keep(&self, nsp: &str, ack: AckSender) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back((nsp.to_owned(), ack));
    }

    /// Takes the request `id` of `nsp`, to answer it.
    pub fn take(&self, nsp: &str, id: u64) -> Option<AckSender> {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let at = kept.iter().position(|(n, a)| n == nsp && a.id() == id)?;
        kept.remove(at).map(|(_, ack)| ack)
    }
}
