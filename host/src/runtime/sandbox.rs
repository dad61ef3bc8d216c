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

use super::bindings::{v0_1, v0_2};
use super::captured::Stream;
use super::log::LogCollector;

/// Raised (as the trap's error) when a plugin tries to grow memory past the cap.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("memory growth to {requested} bytes exceeds the cap of {limit} bytes")]
pub struct MemoryCapExceeded {
    pub requested: usize,
    pub limit: usize,
}

/// Caps the linear memory of the whole instance, and tables. A component may
/// hold several core modules, each with memories of its own (the pool allows
/// two per component, which polyglot toolchains can use): the cap is on their
/// sum, so a second memory cannot double it.
struct MemoryCap {
    limit: usize,
    /// Bytes of every memory of the store; the store lives for one evaluation.
    used: usize,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let requested = self.used.saturating_sub(current).saturating_add(desired);
        if requested > self.limit {
            return Err(wasmtime::Error::new(MemoryCapExceeded {
                requested,
                limit: self.limit,
            }));
        }
        self.used = requested;
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
    /// What a contract 0.2 plugin reads with `host.audience`: set for `route` only.
    pub(crate) audience: super::Audience,
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
            .stdout(log.stream(Stream::Stdout))
            .stderr(log.stream(Stream::Stderr))
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
                used: 0,
            },
            log,
            audience: super::Audience::default(),
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

impl v0_1::isac::policy::types::Host for SandboxState {}

impl v0_1::isac::policy::host::Host for SandboxState {
    fn log(&mut self, level: v0_1::isac::policy::types::LogLevel, message: String) {
        self.log.push(level.into(), message);
    }
}

impl v0_2::isac::policy::types::Host for SandboxState {}

impl v0_2::isac::policy::host::Host for SandboxState {
    fn log(&mut self, level: v0_2::isac::policy::types::LogLevel, message: String) {
        self.log.push(level.into(), message);
    }

    fn audience(&mut self) -> Vec<v0_2::isac::policy::types::Member> {
        self.audience.iter().map(Into::into).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Instance, Module, Store};

    /// Two memories that each stay under the cap, grown until together they pass it.
    #[test]
    fn the_memory_cap_holds_for_all_memories_of_an_instance() {
        let engine = Engine::default();
        let wasm = wat::parse_str(
            r#"(module
                (memory 1) (memory 1)
                (func (export "grow") (param i32) (result i32 i32)
                  (memory.grow 0 (local.get 0))
                  (memory.grow 1 (local.get 0))))"#,
        )
        .expect("valid text");
        let module = Module::new(&engine, wasm).expect("compiles");
        let limit = 4 << 20;
        let mut store = Store::new(&engine, SandboxState::new(limit, 1024, Seed::of(&[])));
        store.limiter(|state| state.limiter());
        let instance = Instance::new(&mut store, &module, &[]).expect("two pages fit");
        let grow = instance
            .get_typed_func::<i32, (i32, i32)>(&mut store, "grow")
            .expect("exported");
        // 40 more pages each: 41 pages (2.6 MiB) per memory, 5.2 MiB in all.
        let error = grow
            .call(&mut store, 40)
            .expect_err("past the cap together");
        let cap = error
            .chain()
            .find_map(|e| e.downcast_ref::<MemoryCapExceeded>())
            .unwrap_or_else(|| panic!("not the memory cap: {error:#}"));
        assert_eq!((cap.requested, cap.limit), (2 * 41 * 65536, limit));
    }
}
