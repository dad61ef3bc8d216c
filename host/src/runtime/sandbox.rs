//! The state of one evaluation's `Store`: WASI with no capabilities, a memory cap,
//! and the bounded log. Built fresh for every evaluation, so nothing a plugin does
//! can reach the next report. Nothing in it is a source of entropy: clocks are
//! frozen and every random generator is seeded by the caller from the evaluation's
//! inputs, so the same inputs give the same decision (replays and shadow runs
//! depend on it).

use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::{Digest as _, Sha256};
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{
    HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView,
};

use super::bindings::isac::policy::{host, types};
use super::log::LogCollector;

/// Raised (as the trap's error) when a plugin tries to grow memory past the cap.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("memory growth to {requested} bytes exceeds the cap of {limit} bytes")]
pub struct MemoryCapExceeded {
    pub requested: usize,
    pub limit: usize,
}

/// Caps linear memory and tables; instances and memories keep wasmtime's limits.
struct MemoryCap {
    limit: usize,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            return Err(wasmtime::Error::new(MemoryCapExceeded {
                requested: desired,
                limit: self.limit,
            }));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // A table entry is a function reference; a policy needs a few thousand at most.
        Ok(desired <= 100_000)
    }
}

/// A clock stuck at the Unix epoch: plugins get time only as an argument, so the
/// same inputs give the same decision (shadow runs and replays depend on it).
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// The seed of one evaluation's generators, from what the plugin is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed([u8; 32]);

impl Seed {
    /// SHA-256 of every part, each length-prefixed so no two lists of parts collide.
    pub fn of(parts: &[&[u8]]) -> Seed {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        Seed(hash.finalize().into())
    }

    /// One generator per WASI interface, so draws from one do not shift the others.
    fn generator(self, interface: u8) -> StdRng {
        let mut seed = self.0;
        seed[0] ^= interface;
        StdRng::from_seed(seed)
    }

    fn insecure_seed(self) -> u128 {
        let mut half = [0u8; 16];
        half.copy_from_slice(&self.0[16..]);
        u128::from_le_bytes(half)
    }
}

pub struct SandboxState {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: MemoryCap,
    pub(crate) log: LogCollector,
}

impl SandboxState {
    pub fn new(memory_limit: usize, log_bytes: usize, seed: Seed) -> Self {
        let log = LogCollector::new(log_bytes);
        // No preopened directories, environment, arguments or network: the builder
        // grants none unless asked; output goes to bounded in-memory buffers.
        // Stdin is the builder's default, a closed stream: reading it never waits.
        let wasi = WasiCtxBuilder::new()
            .secure_random(seed.generator(1))
            .insecure_random(seed.generator(2))
            .insecure_random_seed(seed.insecure_seed())
            .stdout(log.stdout.clone())
            .stderr(log.stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .wall_clock(FrozenClock)
            .monotonic_clock(FrozenClock)
            .build();
        SandboxState {
            wasi,
            table: ResourceTable::new(),
            memory: MemoryCap {
                limit: memory_limit,
            },
            log,
        }
    }

    pub fn limiter(&mut self) -> &mut dyn ResourceLimiter {
        &mut self.memory
    }
}

impl WasiView for SandboxState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for SandboxState {}

impl host::Host for SandboxState {
    fn log(&mut self, level: types::LogLevel, message: String) {
        self.log.push(level.into(), message);
    }
}
