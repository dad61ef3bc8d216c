//! Single-flight loads: concurrent requests share one load, and a membership
//! change during a load makes the requests after it load again.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::{Loader, RosterCache};
use crate::pipeline::audience::Roster;

/// A loader that counts its loads, each of which waits for a permit of `gate`.
fn counting(gate: Arc<Semaphore>) -> (Loader, Arc<AtomicUsize>) {
    let loads = Arc::new(AtomicUsize::new(0));
    let counted = loads.clone();
    let loader: Loader = Arc::new(move || {
        let (gate, loads) = (gate.clone(), counted.clone());
        Box::pin(async move {
            loads.fetch_add(1, Ordering::SeqCst);
            gate.acquire().await.expect("gate open").forget();
            Ok(Roster::default())
        })
    });
    (loader, loads)
}

/// Yields until `loads` reaches `n`.
async fn until_loads(loads: &AtomicUsize, n: usize) {
    while loads.load(Ordering::SeqCst) < n {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_share_one_load() {
    let gate = Arc::new(Semaphore::new(0));
    let (loader, loads) = counting(gate.clone());
    let cache = RosterCache::with_loader(loader);
    let waiters: Vec<_> = (0..16)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.get().await.expect("roster") })
        })
        .collect();
    until_loads(&loads, 1).await;
    // Give every waiter the time to reach the cache before the load ends.
    tokio::time::sleep(Duration::from_millis(50)).await;
    gate.add_permits(100);
    let rosters: Vec<_> = futures_util::future::join_all(waiters).await;
    assert_eq!(loads.load(Ordering::SeqCst), 1);
    let first = rosters[0].as_ref().expect("joined");
    for roster in &rosters {
        assert!(Arc::ptr_eq(first, roster.as_ref().expect("joined")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_during_a_load_makes_later_requests_load_again() {
    let gate = Arc::new(Semaphore::new(0));
    let (loader, loads) = counting(gate.clone());
    let cache = RosterCache::with_loader(loader);
    let before = tokio::spawn({
        let cache = cache.clone();
        async move { cache.get().await.expect("roster") }
    });
    until_loads(&loads, 1).await;
    cache.invalidate();
    // Asked after the change returned: it must not get the load that began before.
    let after = tokio::spawn({
        let cache = cache.clone();
        async move { cache.get().await.expect("roster") }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    gate.add_permits(1);
    let before = before.await.expect("joined");
    until_loads(&loads, 2).await;
    gate.add_permits(1);
    let after = after.await.expect("joined");
    assert_eq!(loads.load(Ordering::SeqCst), 2);
    assert!(!Arc::ptr_eq(&before, &after));
    // The second load is of the current generation: cached for the next request.
    let next = cache.get().await.expect("roster");
    assert!(Arc::ptr_eq(&after, &next));
    assert_eq!(loads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_change_wakes_its_watchers() {
    let (loader, _) = counting(Arc::new(Semaphore::new(10)));
    let cache = RosterCache::with_loader(loader);
    let mut watcher = cache.subscribe();
    cache.invalidate();
    tokio::time::timeout(Duration::from_secs(1), watcher.changed())
        .await
        .expect("woken")
        .expect("sender alive");
    assert_eq!(*watcher.borrow(), cache.generation());
}
