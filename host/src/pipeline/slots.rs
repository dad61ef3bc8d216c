//! Evaluation slots: one per core, shared by every community, and a budget per
//! community so that no community's plugin can take them all.
//!
//! The plugin deadline is wall-clock time, so evaluations beyond what the cores
//! can run would miss it under load and quarantine good reports; the rest wait
//! here, before their clock starts. A community first takes one of its own
//! permits, then a shared one: at most `per_community` of its evaluations run or
//! queue for a shared slot at once, and the shared queue is first come, first
//! served. A community whose plugin runs every call to its deadline (or floods
//! reports) therefore delays another community's report by a bounded number of
//! deadlines, never indefinitely.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

pub(crate) struct Slots {
    shared: Semaphore,
    per_community: usize,
    communities: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Held for one evaluation; dropping it frees both permits.
pub(crate) struct Slot<'s> {
    _shared: Option<SemaphorePermit<'s>>,
    _community: Option<OwnedSemaphorePermit>,
}

impl Slots {
    /// `total` shared slots; a community may hold all but one of them (at least one).
    pub(crate) fn new(total: usize) -> Slots {
        Slots {
            shared: Semaphore::new(total),
            per_community: total.saturating_sub(1).max(1),
            communities: Mutex::default(),
        }
    }

    pub(crate) async fn acquire(&self, community: &str) -> Slot<'_> {
        let own = self
            .communities
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(community.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_community)))
            .clone();
        // Neither semaphore is ever closed, so a permit always comes.
        let community = own.acquire_owned().await.ok();
        let shared = self.shared.acquire().await.ok();
        Slot {
            _shared: shared,
            _community: community,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_community_keeps_a_slot_free_for_the_others() {
        let slots = Slots::new(3);
        let (_a1, _a2) = (slots.acquire("a").await, slots.acquire("a").await);
        let third_for_a =
            tokio::time::timeout(std::time::Duration::from_millis(50), slots.acquire("a"));
        assert!(third_for_a.await.is_err(), "a holds all but one slot");
        let for_b = tokio::time::timeout(std::time::Duration::from_millis(50), slots.acquire("b"));
        assert!(for_b.await.is_ok(), "b still gets the last slot");
    }
}
