//! The one source of the current time, injected so tests can pick "now".

use std::sync::Arc;

use time::OffsetDateTime;

/// Tells the current instant.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> OffsetDateTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock stopped at one instant (tests, rehearsals of a future campaign).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// The wall clock moved to start at a chosen instant: time runs, but from
/// then. For rehearsals and tests of a campaign whose dates are not today.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    offset: time::Duration,
}

impl ShiftedClock {
    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: OffsetDateTime) -> ShiftedClock {
        ShiftedClock { offset: start - OffsetDateTime::now_utc() }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset
    }
}

/// A shareable clock.
pub type SharedClock = Arc<dyn Clock>;
