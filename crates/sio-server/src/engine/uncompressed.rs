//! The per-packet `compress` flag: which queued frames were sent with `compress(false)` and must go
//! out without permessage-deflate, tracked beside the queue without changing its frames.
//!
//! Frames are numbered in the order they are queued; the numbers of the uncompressed ones are kept
//! (nothing is allocated until `compress(false)` is used). The queue always leaves whole, so a batch
//! taken from it is the last `len` frames queued, and its uncompressed frames are the numbers in
//! that range; older numbers belong to frames a poll took, and are dropped.

use std::collections::VecDeque;

/// The queue's side record: frames queued so far and the numbers of the uncompressed ones.
#[derive(Debug, Default)]
pub(crate) struct UncompressedFrames {
    queued: u64,
    numbers: VecDeque<u64>,
}

impl UncompressedFrames {
    /// `n` frames were queued, after `queue_len` others still waiting; `compress` is their flag.
    pub(crate) fn queued(&mut self, n: usize, compress: bool, queue_len: usize) {
        if !compress {
            // Numbers before the oldest frame still queued went out with a poll.
            let oldest = self.queued - queue_len as u64;
            while self.numbers.front().is_some_and(|&x| x < oldest) {
                self.numbers.pop_front();
            }
            self.numbers.extend(self.queued..self.queued + n as u64);
        }
        self.queued += n as u64;
    }

    /// The whole queue, `len` frames, leaves as one batch: its uncompressed frames, in order.
    pub(crate) fn take(&mut self, len: usize) -> BatchFlags {
        let first = self.queued - len as u64;
        if self.numbers.is_empty() {
            return BatchFlags::default();
        }
        let mut numbers = std::mem::take(&mut self.numbers);
        while numbers.front().is_some_and(|&x| x < first) {
            numbers.pop_front();
        }
        BatchFlags {
            next: first,
            numbers,
        }
    }
}

/// The `compress` flags of one batch, read frame by frame in order.
#[derive(Debug, Default)]
pub(crate) struct BatchFlags {
    next: u64,
    numbers: VecDeque<u64>,
}

impl BatchFlags {
    /// Whether the next frame of the batch may be compressed.
    pub(crate) fn next_compress(&mut self) -> bool {
        let number = self.next;
        self.next += 1;
        if self.numbers.front() == Some(&number) {
            self.numbers.pop_front();
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_the_frames() {
        let mut u = UncompressedFrames::default();
        u.queued(2, true, 0);
        u.queued(1, false, 2);
        u.queued(1, true, 3);
        let mut batch = u.take(4);
        let flags: Vec<bool> = (0..4).map(|_| batch.next_compress()).collect();
        assert_eq!(flags, [true, true, false, true]);
    }

    #[test]
    fn frames_a_poll_took_are_forgotten() {
        let mut u = UncompressedFrames::default();
        u.queued(3, false, 0);
        // A poll took those three; two more are queued, the second uncompressed.
        u.queued(1, true, 0);
        u.queued(1, false, 1);
        assert_eq!(u.numbers.len(), 1);
        let mut batch = u.take(2);
        assert!(batch.next_compress());
        assert!(!batch.next_compress());
        assert!(u.numbers.is_empty());
    }
}
