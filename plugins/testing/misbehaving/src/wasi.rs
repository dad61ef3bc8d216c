//! WASI imports called directly, the way a plugin written against the raw
//! interfaces would (not through std), to prove the host neutralises them too.
//! Canonical ABI signatures of `wasi:*@0.2.0`; on a native build (the
//! workspace's own checks) they are stand-ins that never run in a test.

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "wasi:clocks/monotonic-clock@0.2.0")]
    unsafe extern "C" {
        #[link_name = "subscribe-duration"]
        pub fn subscribe_duration(nanoseconds: u64) -> i32;
    }

    #[link(wasm_import_module = "wasi:io/poll@0.2.0")]
    unsafe extern "C" {
        #[link_name = "poll"]
        pub fn poll(pollables: *const i32, count: usize, answer: *mut [usize; 2]);
    }

    #[link(wasm_import_module = "wasi:random/random@0.2.0")]
    unsafe extern "C" {
        #[link_name = "get-random-u64"]
        pub fn get_random_u64() -> u64;
    }

    #[link(wasm_import_module = "wasi:random/insecure@0.2.0")]
    unsafe extern "C" {
        #[link_name = "get-insecure-random-u64"]
        pub fn get_insecure_random_u64() -> u64;
    }

    #[link(wasm_import_module = "wasi:random/insecure-seed@0.2.0")]
    unsafe extern "C" {
        #[link_name = "insecure-seed"]
        pub fn insecure_seed(answer: *mut [u64; 2]);
    }
}

/// Waits on a clock pollable with `wasi:io/poll.poll` (not `pollable.block`).
pub fn poll_for(nanoseconds: u64) {
    #[cfg(target_arch = "wasm32")]
    // SAFETY: the pollable is the handle the host just returned, the list points
    // at one live i32, and the answer area is two words, as the ABI requires.
    unsafe {
        let pollable = imports::subscribe_duration(nanoseconds);
        let mut answer = [0usize; 2];
        imports::poll(&pollable, 1, &mut answer);
    }
    #[cfg(not(target_arch = "wasm32"))]
    std::thread::sleep(std::time::Duration::from_nanos(nanoseconds));
}

/// One draw from each of `wasi:random`'s three interfaces, mixed.
pub fn random_u64() -> u64 {
    #[cfg(target_arch = "wasm32")]
    // SAFETY: plain scalar calls, and a two-u64 answer area for the seed.
    unsafe {
        let mut seed = [0u64; 2];
        imports::insecure_seed(&mut seed);
        imports::get_random_u64()
            ^ imports::get_insecure_random_u64().rotate_left(21)
            ^ seed[0].rotate_left(42)
            ^ seed[1]
    }
    #[cfg(not(target_arch = "wasm32"))]
    0
}
