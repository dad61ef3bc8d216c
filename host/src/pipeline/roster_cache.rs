//! The roster of approved members, cached between reports. A membership change
//! invalidates it at once (revocation is immediate); otherwise it is refreshed in
//! the background every few seconds, so contribution counts stay recent without a
//! report ever waiting for the refresh.
//!
//! Loading the roster counts every member's contributions over all stored
//! reports, which takes a second with tens of thousands of them: after a
//! restart or a membership change, the reports that need the roster wait for
//! one load (single-flight) instead of each running its own.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::AnyPool;
use tokio::sync::watch;

use super::audience::{self, Roster};

/// Age after which a roster is refreshed in the background.
const REFRESH_AFTER: Duration = Duration::from_secs(5);

type Loading = Pin<Box<dyn Future<Output = Result<Roster, sqlx::Error>> + Send>>;

/// How a roster is read from the database (tests count the loads).
type Loader = Arc<dyn Fn() -> Loading + Send + Sync>;

struct Cached {
    loaded: Instant,
    generation: u64,
    roster: Arc<Roster>,
}

struct Shared {
    /// Bumped by every membership change; a roster of another generation is
    /// stale. Inbox streams watch it to re-check their member's standing.
    generation: watch::Sender<u64>,
    cached: Mutex<Option<Cached>>,
    refreshing: AtomicBool,
    /// Held while a request loads the roster: the others wait, then find it cached.
    loading: tokio::sync::Mutex<()>,
}

impl Shared {
    fn generation(&self) -> u64 {
        *self.generation.borrow()
    }

    fn store(&self, generation: u64, roster: Arc<Roster>) {
        // Never overwrite a roster loaded after a later membership change.
        if self.generation() == generation {
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
    load: Loader,
    shared: Arc<Shared>,
}

impl RosterCache {
    pub fn new(db: AnyPool) -> RosterCache {
        RosterCache::with_loader(Arc::new(move || {
            let db = db.clone();
            Box::pin(async move { audience::roster(&db).await })
        }))
    }

    fn with_loader(load: Loader) -> RosterCache {
        RosterCache {
            load,
            shared: Arc::new(Shared {
                generation: watch::channel(0).0,
                cached: Mutex::default(),
                refreshing: AtomicBool::new(false),
                loading: tokio::sync::Mutex::new(()),
            }),
        }
    }

    pub fn generation(&self) -> u64 {
        self.shared.generation()
    }

    /// Sees every later membership change (the value is the generation).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.shared.generation.subscribe()
    }

    /// Call after any change of who is an approved member, or of a member's class.
    pub fn invalidate(&self) {
        self.shared
            .generation
            .send_modify(|generation| *generation += 1);
    }

    pub async fn get(&self) -> Result<Arc<Roster>, sqlx::Error> {
        if let Some(roster) = self.current() {
            return Ok(roster);
        }
        let _loading = self.shared.loading.lock().await;
        // Loaded by the request this one waited for, unless a membership
        // change came since.
        if let Some(roster) = self.current() {
            return Ok(roster);
        }
        // Read the generation before loading: a change during the load leaves the
        // entry stamped with the old generation, hence stale, and the requests
        // that come after the change load again.
        let generation = self.generation();
        let roster = Arc::new((self.load)().await?);
        self.shared.store(generation, roster.clone());
        Ok(roster)
    }

    /// The cached roster if it is of the current generation; starts a
    /// background refresh when it is old.
    fn current(&self) -> Option<Arc<Roster>> {
        let generation = self.generation();
        let (roster, age) = {
            let cached = self
                .shared
                .cached
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            cached
                .as_ref()
                .filter(|c| c.generation == generation)
                .map(|c| (c.roster.clone(), c.loaded.elapsed()))?
        };
        if age >= REFRESH_AFTER && !self.shared.refreshing.swap(true, Ordering::SeqCst) {
            let (load, shared) = (self.load.clone(), self.shared.clone());
            tokio::spawn(async move {
                if let Ok(fresh) = load().await {
                    shared.store(generation, Arc::new(fresh));
                }
                shared.refreshing.store(false, Ordering::SeqCst);
            });
        }
        Some(roster)
    }
}

#[cfg(test)]
#[path = "roster_cache_tests.rs"]
mod tests;
