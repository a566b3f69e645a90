//! The manager's reconnection settings and their getters and setters (`manager.reconnectionDelay(...)`).

use super::Manager;
use crate::events::lock;
use std::time::Duration;

/// Reconnection settings, changeable while running.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub reconnection: bool,
    pub attempts: Option<u32>,
    pub delay: Duration,
    pub delay_max: Duration,
    pub factor: f64,
    pub timeout: Duration,
}

impl Manager {
    fn settings(&self) -> Settings {
        lock(&self.inner.core.settings).clone()
    }

    fn update(&self, f: impl FnOnce(&mut Settings)) -> &Self {
        f(&mut lock(&self.inner.core.settings));
        self
    }

    /// Whether reconnection is on.
    pub fn reconnection(&self) -> bool {
        self.settings().reconnection
    }

    /// Turns reconnection on or off.
    pub fn set_reconnection(&self, on: bool) -> &Self {
        self.update(|s| s.reconnection = on)
    }

    /// The maximum number of attempts (`None`: unlimited).
    pub fn reconnection_attempts(&self) -> Option<u32> {
        self.settings().attempts
    }

    /// Sets the maximum number of attempts.
    pub fn set_reconnection_attempts(&self, n: Option<u32>) -> &Self {
        self.update(|s| s.attempts = n)
    }

    /// The initial reconnection delay.
    pub fn reconnection_delay(&self) -> Duration {
        self.settings().delay
    }

    /// Sets the initial reconnection delay.
    pub fn set_reconnection_delay(&self, d: Duration) -> &Self {
        self.update(|s| s.delay = d)
    }

    /// The maximum reconnection delay.
    pub fn reconnection_delay_max(&self) -> Duration {
        self.settings().delay_max
    }

    /// Sets the maximum reconnection delay.
    pub fn set_reconnection_delay_max(&self, d: Duration) -> &Self {
        self.update(|s| s.delay_max = d)
    }

    /// The jitter factor.
    pub fn randomization_factor(&self) -> f64 {
        self.settings().factor
    }

    /// Sets the jitter factor (0 to 1).
    pub fn set_randomization_factor(&self, f: f64) -> &Self {
        self.update(|s| s.factor = f)
    }

    /// The connection timeout.
    pub fn timeout(&self) -> Duration {
        self.settings().timeout
    }

    /// Sets the connection timeout.
    pub fn set_timeout(&self, d: Duration) -> &Self {
        self.update(|s| s.timeout = d)
    }
}
