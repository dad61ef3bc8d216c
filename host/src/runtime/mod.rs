//! The sandboxed plugin runtime: one wasmtime engine, plugins compiled once per
//! digest and pre-linked once, a fresh store per evaluation with a memory cap, an
//! epoch deadline and an output cap, and WASI linked with no capabilities.

mod audience;
mod bindings;
mod cache;
mod captured;
pub mod contract;
mod contract_types;
mod decision;
mod digest;
mod drive;
mod error;
mod limits;
mod log;
pub mod output;
mod plugin;
mod reference;
mod sandbox;
pub mod selectors;
mod versions;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

pub use audience::Audience;
pub use contract::ComponentInfo;
pub use decision::{
    Cases, Decision, DecisionInput, DecisionRun, Fingerprinted, NEW_CASE_ID, case_for_route,
    decide, fingerprint,
};
pub use digest::Digest;
pub use error::{Fault, PluginError, Stage};
pub use limits::RuntimeLimits;
pub use log::{EvaluationLog, LogLevel, LogLine};
pub use plugin::{Evaluation, Plugin, PolicyContext, StageTimes};

use sandbox::SandboxState;

/// How often the engine's epoch advances; deadlines are counted in these ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The runtime could not be set up at all (a host problem, not a plugin's).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the plugin runtime: {0}")]
pub struct RuntimeSetupError(String);

/// Loads plugins and hands out evaluations. Cheap to share behind an `Arc`.
pub struct PolicyRuntime {
    engine: Engine,
    linker: Linker<SandboxState>,
    limits: RuntimeLimits,
    loaded: Mutex<HashMap<Digest, Arc<Plugin>>>,
    compiled: Option<cache::CompiledCache>,
}

impl PolicyRuntime {
    pub fn new(limits: RuntimeLimits) -> Result<PolicyRuntime, RuntimeSetupError> {
        let setup = |e: wasmtime::Error| RuntimeSetupError(format!("{e:#}"));
        // Where the kernel cannot scan for the pages an instance wrote (Linux
        // before 6.7, other systems), every slot goes back to the kernel instead.
        let engine = Engine::new(&config(&limits, Resident::Written))
            .or_else(|_| Engine::new(&config(&limits, Resident::Nothing)))
            .map_err(setup)?;
        let mut linker = Linker::new(&engine);
        // The async WASI imports: a guest waiting in one suspends the call instead of
        // blocking the thread, so the call's timeout can end it (see `drive`).
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(setup)?;
        // Every contract version's host interface: a plugin imports its own.
        bindings::v0_1::SharingPolicy::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(setup)?;
        bindings::v0_2::SharingPolicy::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(setup)?;
        start_epoch_ticker(&engine);
        Ok(PolicyRuntime {
            engine,
            linker,
            limits,
            loaded: Mutex::default(),
            compiled: None,
        })
    }

    /// Keeps compiled plugins in `dir` (e.g. `cache/` of the data directory).
    pub fn with_compiled_cache(mut self, dir: std::path::PathBuf) -> PolicyRuntime {
        self.compiled = Some(cache::CompiledCache::new(dir, &self.engine));
        self
    }

    pub fn limits(&self) -> RuntimeLimits {
        self.limits
    }

    /// Checks, compiles, links and warms up a plugin, once per digest: loading the
    /// same bytes again returns the plugin already loaded. The contract types
    /// check runs only on a compile of bytes other than a reference plugin's. Runs guest code: call it
    /// from a blocking thread, never an async worker.
    pub fn load(&self, bytes: &[u8]) -> Result<Arc<Plugin>, PluginError> {
        let digest = Digest::of(bytes);
        if let Some(plugin) = self
            .loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&digest)
        {
            return Ok(plugin.clone());
        }
        let fail = |stage, fault| PluginError {
            digest,
            stage,
            fault,
        };
        let info = contract::read(bytes).map_err(|fault| fail(Stage::Load, fault))?;
        let cached = self
            .compiled
            .as_ref()
            .and_then(|cache| cache.cached(&self.engine, digest));
        let component = match cached {
            Some(component) => component,
            None => {
                // Bytes never checked before (an upload, `plugin test` of a new
                // build): their types must be the contract's. A cache hit was
                // checked before it was stored, a reference plugin is built here.
                if !reference::is_reference(digest) {
                    contract::check_types(bytes, &info)
                        .map_err(|fault| fail(Stage::Load, fault))?;
                }
                match &self.compiled {
                    Some(cache) => cache.compile(&self.engine, digest, bytes),
                    None => Component::new(&self.engine, bytes),
                }
                .map_err(|e| fail(Stage::Compile, Fault::Compile(format!("{e:#}"))))?
            }
        };
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| fail(Stage::Instantiate, Fault::Instantiate(format!("{e:#}"))))?;
        let plugin = Arc::new(Plugin::new(digest, info, bytes.len(), pre, self.limits)?);
        plugin.warm_up()?;
        self.loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(digest, plugin.clone());
        Ok(plugin)
    }
}

/// What an instance's slot keeps in memory when it is given back.
#[derive(Clone, Copy)]
enum Resident {
    /// The pages it wrote, restored in place to the plugin's initial image.
    Written,
    /// Nothing: every page goes back to the kernel.
    Nothing,
}

/// Linear memory a slot keeps resident: what a policy writes to evaluate one
/// report (the reference plugins write well under this). Restoring those pages
/// in place, found by the kernel's `PAGEMAP_SCAN`, spares the next instance a
/// page fault for each and the process a TLB flush on every core; it took
/// the baseline's evaluation from 80–87 to 57–60 µs in `--bench taxii_add`.
const KEEP_RESIDENT: usize = 1 << 20;

/// The engine's configuration for `limits`.
fn config(limits: &RuntimeLimits, resident: Resident) -> Config {
    let mut pool = PoolingAllocationConfig::new();
    // Slots are reused across evaluations: instantiation stays in the tens of
    // microseconds instead of mapping fresh memory for every report.
    let instances = limits.concurrent_instances;
    pool.total_component_instances(instances)
        .total_core_instances(instances * 8)
        .max_core_instances_per_component(16)
        .total_memories(instances * 2)
        .max_memories_per_component(2)
        .total_tables(instances * 4)
        .max_tables_per_component(8)
        .max_memory_size(limits.memory_bytes)
        // Every call runs on a fiber (see `drive`): one stack per live instance.
        .total_stacks(instances)
        // Memory an instance used goes back to the kernel 32 instances at a
        // time: each return costs every core a TLB flush, and batching them
        // took a fresh instance from 13.1 to 8.5 µs (`--bench evaluation`).
        // A full pool returns what is queued before it refuses an instance.
        .decommit_batch_size(32);
    if let Resident::Written = resident {
        // Without the scan, keeping pages resident would rewrite all of them on
        // every return, written or not: slower than giving them back.
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(64 << 10);
    }
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

/// Advances the epoch once per [`EPOCH_TICK`] of wall-clock time until the engine
/// is dropped. On a loaded machine this thread wakes late: it then catches up on
/// every tick missed, so a deadline stays wall-clock time rather than a count of
/// wake-ups.
fn start_epoch_ticker(engine: &Engine) {
    let engine = engine.weak();
    std::thread::Builder::new()
        .name("isac-epoch-ticker".into())
        .spawn(move || {
            let mut counted = std::time::Instant::now();
            while let Some(engine) = engine.upgrade() {
                while counted.elapsed() >= EPOCH_TICK {
                    engine.increment_epoch();
                    counted += EPOCH_TICK;
                }
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("the OS can start a thread");
}
