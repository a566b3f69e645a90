//! Exponential backoff with jitter for reconnection delays, as in the official client.

use std::time::Duration;

/// Reconnection delays: `min(max, base * 2^attempt)`, randomised by `factor`, reset after a success.
///
/// ```
/// use sio_client::backoff::Backoff;
/// use std::time::Duration;
///
/// let mut b = Backoff::new(Duration::from_millis(1000), Duration::from_millis(5000), 0.0);
/// assert_eq!(b.duration(), Duration::from_millis(1000));
/// assert_eq!(b.duration(), Duration::from_millis(2000));
/// b.reset();
/// assert_eq!(b.duration(), Duration::from_millis(1000));
/// ```
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    factor: f64,
    attempts: u32,
}

impl Backoff {
    /// A backoff starting at `base`, never above `max`, with a jitter of `factor` (0 to 1).
    pub fn new(base: Duration, max: Duration, factor: f64) -> Self {
        Backoff {
            base,
            max,
            factor: factor.clamp(0.0, 1.0),
            attempts: 0,
        }
    }

    /// The delay before the next attempt (and counts the attempt), with a random jitter.
    pub fn duration(&mut self) -> Duration {
        self.duration_with(rand::random::<f64>())
    }

    /// The delay before the next attempt, given a random number in `[0, 1)`.
    pub fn duration_with(&mut self, random: f64) -> Duration {
        let exp = self.attempts.min(62);
        self.attempts = self.attempts.saturating_add(1);
        let base_ms = self.base.as_millis() as f64;
        let max_ms = self.max.as_millis() as f64;
        let mut ms = base_ms * 2f64.powi(exp as i32);
        if self.factor > 0.0 {
            let deviation = (random * self.factor * ms).floor();
            // the official client adds or subtracts depending on a bit of the same random draw
            if ((random * 10.0).floor() as u64) & 1 == 0 {
                ms -= deviation;
            } else {
                ms += deviation;
            }
        }
        Duration::from_millis(ms.clamp(0.0, max_ms.max(0.0)).floor() as u64)
    }

    /// Number of attempts since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Starts over from `base` (after a successful connection).
    pub fn reset(&mut self) {
        self.attempts = 0;
    }

    /// Changes the base delay.
    pub fn set_min(&mut self, base: Duration) {
        self.base = base;
    }

    /// Changes the maximum delay.
    pub fn set_max(&mut self, max: Duration) {
        self.max = max;
    }

    /// Changes the jitter factor.
    pub fn set_jitter(&mut self, factor: f64) {
        self.factor = factor.clamp(0.0, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_until_the_maximum_without_jitter() {
        let mut b = Backoff::new(
            Duration::from_millis(1000),
            Duration::from_millis(5000),
            0.0,
        );
        let got: Vec<u64> = (0..5).map(|_| b.duration().as_millis() as u64).collect();
        assert_eq!(got, vec![1000, 2000, 4000, 5000, 5000]);
        assert_eq!(b.attempts(), 5);
        b.reset();
        assert_eq!(b.duration(), Duration::from_millis(1000));
    }

    #[test]
    fn jitter_stays_within_the_factor() {
        let mut b = Backoff::new(
            Duration::from_millis(1000),
            Duration::from_millis(5000),
            0.5,
        );
        for _ in 0..200 {
            b.reset();
            let d = b.duration().as_millis() as u64;
            assert!((500..=1500).contains(&d), "{d}");
        }
        // random 0.25 -> deviation 125, even tenth digit (2) -> subtract
        b.reset();
        assert_eq!(b.duration_with(0.25), Duration::from_millis(875));
        // random 0.35 -> deviation 350 on the second attempt (2000), odd digit (3) -> add
        assert_eq!(b.duration_with(0.35), Duration::from_millis(2350));
    }

    #[test]
    fn never_overflows() {
        let mut b = Backoff::new(
            Duration::from_millis(1000),
            Duration::from_millis(5000),
            0.5,
        );
        for _ in 0..10_000 {
            assert!(b.duration() <= Duration::from_millis(5000));
        }
    }
}
