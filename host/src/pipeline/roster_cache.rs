//! The roster of approved members, cached between reports. A membership change
//! invalidates it at once (revocation is immediate); otherwise it is refreshed in
//! the background every few seconds, so contribution counts stay recent without a
//! report ever waiting for the refresh.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::AnyPool;

use super::audience::{self, Roster};

/// Age after which a roster is refreshed in the background.
const REFRESH_AFTER: Duration = Duration::from_secs(5);

struct Cached {
    loaded: Instant,
    generation: u64,
    roster: Arc<Roster>,
}

#[derive(Default)]
struct Shared {
    /// Bumped by every membership change; a roster of another generation is stale.
    generation: AtomicU64,
    cached: Mutex<Option<Cached>>,
    refreshing: AtomicBool,
}

impl Shared {
    fn store(&self, generation: u64, roster: Arc<Roster>) {
        // Never overwrite a roster loaded after a later membership change.
        if self.generation.load(Ordering::SeqCst) == generation {
            *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
                loaded: Instant::now(),
                generation,
                roster,
            });
        }
    }
}

#[derive(Clone)]
pub struct RosterCache {
    db: AnyPool,
    shared: Arc<Shared>,
}

impl RosterCache {
    pub fn new(db: AnyPool) -> RosterCache {
        RosterCache {
            db,
            shared: Arc::default(),
        }
    }

    pub fn generation(&self) -> u64 {
        self.shared.generation.load(Ordering::SeqCst)
    }

    /// Call after any change of who is an approved member, or of a member's class.
    pub fn invalidate(&self) {
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub async fn get(&self) -> Result<Arc<Roster>, sqlx::Error> {
        // Read the generation before loading: a change during the load leaves the
        // entry stamped with the old generation, hence stale.
        let generation = self.shared.generation.load(Ordering::SeqCst);
        let current = {
            let cached = self
                .shared
                .cached
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            cached
                .as_ref()
                .filter(|c| c.generation == generation)
                .map(|c| (c.roster.clone(), c.loaded.elapsed()))
        };
        if let Some((roster, age)) = current {
            if age >= REFRESH_AFTER && !self.shared.refreshing.swap(true, Ordering::SeqCst) {
                let (db, shared) = (self.db.clone(), self.shared.clone());
                tokio::spawn(async move {
                    if let Ok(fresh) = audience::roster(&db).await {
                        shared.store(generation, Arc::new(fresh));
                    }
                    shared.refreshing.store(false, Ordering::SeqCst);
                });
            }
            return Ok(roster);
        }
        let roster = Arc::new(audience::roster(&self.db).await?);
        self.shared.store(generation, roster.clone());
        Ok(roster)
    }
}
