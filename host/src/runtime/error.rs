//! Every way a plugin can fail, named by the plugin's digest and the stage it
//! failed in. The host turns each into a quarantine, never a crash.

use std::fmt;
use std::time::Duration;

use super::Digest;

/// The step of a plugin's life in which a fault happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Load,
    Compile,
    Instantiate,
    ValidateSettings,
    Fingerprints,
    Correlate,
    Route,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Load => "load",
            Stage::Compile => "compile",
            Stage::Instantiate => "instantiate",
            Stage::ValidateSettings => "validate-settings",
            Stage::Fingerprints => "fingerprints",
            Stage::Correlate => "correlate",
            Stage::Route => "route",
        })
    }
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    #[error("not a WebAssembly file: {0}")]
    NotWasm(String),
    #[error("a core WebAssembly module, not a component: build the plugin for wasm32-wasip2")]
    CoreModule,
    #[error("{0}")]
    UnsupportedContract(String),
    #[error("does not compile: {0}")]
    Compile(String),
    #[error("cannot be instantiated: {0}")]
    Instantiate(String),
    #[error("exceeded its deadline of {} ms", .0.as_millis())]
    Deadline(Duration),
    #[error("tried to grow its memory to {requested} bytes, past the cap of {limit} bytes")]
    MemoryCap { requested: usize, limit: usize },
    #[error("overflowed its stack")]
    StackOverflow,
    #[error("panicked: {0}")]
    Panic(String),
    #[error("trapped: {0}")]
    Trap(String),
    #[error("returned {size} bytes, past the output cap of {limit} bytes")]
    OutputTooLarge { size: usize, limit: usize },
    /// Refused while being copied out of the plugin's memory, before its size
    /// could be measured the host's way (see `RuntimeLimits::copy_bytes`).
    #[error("returned more than {copy} bytes, past the output cap of {limit} bytes")]
    OutputTooLargeToCopy { copy: usize, limit: usize },
    #[error("returned an invalid answer: {0}")]
    InvalidOutput(String),
    #[error("refused: {0}")]
    Refused(String),
}

impl Fault {
    /// The fault's kind as a metric label: one word per variant, no detail.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::NotWasm(_) => "not_wasm",
            Fault::CoreModule => "core_module",
            Fault::UnsupportedContract(_) => "unsupported_contract",
            Fault::Compile(_) => "compile",
            Fault::Instantiate(_) => "instantiate",
            Fault::Deadline(_) => "deadline",
            Fault::MemoryCap { .. } => "memory_cap",
            Fault::StackOverflow => "stack_overflow",
            Fault::Panic(_) => "panic",
            Fault::Trap(_) => "trap",
            Fault::OutputTooLarge { .. } | Fault::OutputTooLargeToCopy { .. } => "output_too_large",
            Fault::InvalidOutput(_) => "invalid_output",
            Fault::Refused(_) => "refused",
        }
    }
}

/// A plugin fault, with the plugin and stage it happened in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plugin {digest} failed in {stage}: {fault}")]
pub struct PluginError {
    pub digest: Digest,
    pub stage: Stage,
    pub fault: Fault,
}
