//! One clock for the whole run, so every timing in the results shares an
//! origin and the timeline lines up.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct RunClock {
    origin: Instant,
}

impl RunClock {
    pub fn start() -> RunClock {
        RunClock {
            origin: Instant::now(),
        }
    }

    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Milliseconds from the run's start to `at`.
    pub fn offset_ms(&self, at: Instant) -> f64 {
        ms(at.saturating_duration_since(self.origin))
    }
}

/// A duration in fractional milliseconds, as the result model stores it.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}
