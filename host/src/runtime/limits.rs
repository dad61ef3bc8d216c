use std::time::Duration;

/// The bounds every evaluation runs under. All configurable; defaults suit the
/// reference plugins with a wide margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeLimits {
    /// Linear memory a plugin instance may grow to.
    pub memory_bytes: usize,
    /// Wall-clock time one call (validate-settings, fingerprints, correlate, route) may take.
    pub deadline: Duration,
    /// Size of one call's answer, as the host measures it (strings and list items).
    pub output_bytes: usize,
    /// Log lines, stdout and stderr kept per evaluation, together (see `log`).
    pub log_bytes: usize,
    /// Plugin instances alive at once (the pooling allocator's slots); an
    /// evaluation beyond this fails to instantiate, so callers bound concurrency.
    pub concurrent_instances: u32,
}

impl RuntimeLimits {
    /// What wasmtime may copy out of a plugin's memory for one call's answer (or
    /// one import's arguments), counted before each copy: its "hostcall fuel". It
    /// counts the host's in-memory size of what it copies, up to 3.5 times the
    /// output cap's measure (an empty delivery group is 56 bytes there, 16 here),
    /// so every answer within the output cap can still be copied, while strings
    /// that alias one buffer cannot make the host copy it over and over.
    pub fn copy_bytes(&self) -> usize {
        self.output_bytes.saturating_mul(4)
    }
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        RuntimeLimits {
            memory_bytes: 64 << 20,
            deadline: Duration::from_millis(100),
            output_bytes: 1 << 20,
            log_bytes: 64 << 10,
            concurrent_instances: 128,
        }
    }
}
