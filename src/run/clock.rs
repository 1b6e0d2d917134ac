//! One clock for the whole run, so every timing in the results shares an
//! origin and the timeline lines up.

use std::time::Instant;

pub use crate::result::ms;

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
