//! Runs one guest call to completion on the calling thread, bounded in wall-clock
//! time.
//!
//! Guests run on wasmtime's async path, so every WASI import that can wait awaits
//! a future instead of blocking the thread: `wasi:io/poll` `poll` and
//! `pollable.block` (what `std::thread::sleep` and the monotonic clock's
//! `subscribe-duration` / `subscribe-instant` come down to), and the streams'
//! `blocking-read`, `blocking-write-and-flush`, `blocking-flush` and
//! `blocking-splice`. The epoch deadline stops wasm code; the timeout here drops
//! the call's future when the guest is waiting in one of those imports instead.
//! Either way no guest call holds a host thread past its deadline.

use std::future::Future;
use std::time::Duration;

use tokio::runtime::{Handle, RuntimeFlavor};

/// The call's output, or `None` when `deadline` passed first.
pub(crate) fn within<F>(deadline: Duration, call: F) -> Option<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    // Built on first poll, inside the runtime that drives it (the timer needs one).
    let bounded = async move { tokio::time::timeout(deadline, call).await.ok() };
    match Handle::try_current() {
        // On a worker, its other tasks are handed to another worker first; on a
        // blocking thread (where evaluations run) this is a no-op.
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| handle.block_on(bounded))
        }
        // A current-thread runtime cannot be waited on from its own thread: wait on
        // a thread of our own.
        Ok(_) => std::thread::scope(|scope| {
            scope
                .spawn(|| ambient().block_on(bounded))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
        Err(_) => ambient().block_on(bounded),
    }
}

/// wasmtime-wasi's own runtime, for threads outside any (the CLI's plugin
/// commands, benchmarks). Blocking on its handle, unlike its `in_tokio`, does not
/// yield before the first poll, which would cost a thread wake-up per call.
fn ambient() -> Handle {
    wasmtime_wasi::runtime::with_ambient_tokio_runtime(Handle::current)
}
