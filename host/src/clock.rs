//! The time the governance workflows go by (a general assembly's opening and
//! closing, a request's due date): the system clock, moved forward by an offset
//! that only tests set, so a session can close without a test waiting for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Unix seconds now, plus an offset shared by every clone.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> i64 {
        crate::store::now() + self.offset.load(Ordering::Relaxed)
    }

    /// Moves this clock (and every clone) `seconds` forward.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }
}
