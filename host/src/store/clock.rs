//! The host's clock: real time, plus an offset that only a demo server started
//! with `--clock` lets its secretariat advance, so that a delivery delayed by
//! hours can be seen arriving in minutes. Everything that stamps or compares
//! times (report submission, the plugins' `now`, delays falling due, the
//! collection's positions, the audit chain) reads this clock, so a demo stays
//! consistent with itself. It only moves forward: positions in a member's
//! collection and the audit chain's times must never go back.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use time::{Duration, OffsetDateTime};

/// Seconds added to real time.
static OFFSET: AtomicI64 = AtomicI64::new(0);
/// Whether this process may advance the clock at all (`demo --clock`).
static ADJUSTABLE: AtomicBool = AtomicBool::new(false);

/// The current time.
pub fn now_utc() -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::seconds(OFFSET.load(Ordering::Relaxed))
}

/// How far ahead of real time the clock runs, in seconds.
pub fn offset() -> i64 {
    OFFSET.load(Ordering::Relaxed)
}

/// Lets [`advance`] move this process's clock: called by `demo --clock` only.
pub fn make_adjustable() {
    ADJUSTABLE.store(true, Ordering::Relaxed);
}

pub fn is_adjustable() -> bool {
    ADJUSTABLE.load(Ordering::Relaxed)
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("the clock can only be advanced on a demo server started with --clock")]
    Fixed,
    #[error("the clock only moves forward, by 1 second to 366 days at a time")]
    OutOfRange,
}

/// The longest single step: a year, more than any delay a policy may set.
const MAX_STEP: i64 = 366 * 24 * 3600;

/// Moves the clock `seconds` forward; returns the new time.
pub fn advance(seconds: i64) -> Result<OffsetDateTime, ClockError> {
    if !is_adjustable() {
        return Err(ClockError::Fixed);
    }
    if !(1..=MAX_STEP).contains(&seconds) {
        return Err(ClockError::OutOfRange);
    }
    OFFSET.fetch_add(seconds, Ordering::Relaxed);
    Ok(now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_of_a_server_without_clock_does_not_move() {
        // Unit tests never make the clock adjustable: the offset is process-wide,
        // and the tests beside this one read it. `host/tests/demo_clock.rs`
        // advances it in a process of its own.
        assert_eq!(advance(3600), Err(ClockError::Fixed));
        assert_eq!(offset(), 0);
    }
}
