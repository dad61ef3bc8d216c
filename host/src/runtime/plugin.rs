//! A loaded plugin (compiled once, pre-linked) and one evaluation of it on a
//! fresh instance.

use std::time::{Duration, Instant};

use time::OffsetDateTime;
use wasmtime::component::InstancePre;
use wasmtime::{Engine, Store, Trap};

use super::Audience;
use super::contract::ComponentInfo;
use super::log::EvaluationLog;
use super::sandbox::{MemoryCapExceeded, SandboxState, Seed};
use super::selectors::Selector;
use super::versions::{Answer, Inputs, Instance, Pre, Routed};
use super::{Digest, EPOCH_TICK, Fault, PluginError, RuntimeLimits, Stage, output};
use crate::model::{CaseSummary, Correlation, Report, Routing};

/// What every call receives besides its own arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyContext {
    pub community: String,
    /// The community's settings for this plugin, as JSON.
    pub settings: String,
    pub now: OffsetDateTime,
}

/// A plugin ready to evaluate: compiled and linked once, instantiated per evaluation.
pub struct Plugin {
    digest: Digest,
    info: ComponentInfo,
    size: usize,
    pre: Pre,
    engine: Engine,
    limits: RuntimeLimits,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("digest", &self.digest)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Plugin {
    pub(crate) fn new(
        digest: Digest,
        info: ComponentInfo,
        size: usize,
        pre: InstancePre<SandboxState>,
        limits: RuntimeLimits,
    ) -> Result<Plugin, PluginError> {
        let engine = pre.component().engine().clone();
        let pre = Pre::new(info.version.minor, pre).map_err(|message| PluginError {
            digest,
            stage: Stage::Instantiate,
            fault: Fault::UnsupportedContract(message),
        })?;
        Ok(Plugin {
            digest,
            info,
            size,
            pre,
            engine,
            limits,
        })
    }

    pub fn digest(&self) -> Digest {
        self.digest
    }

    pub fn info(&self) -> &ComponentInfo {
        &self.info
    }

    /// Size of the component in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// A fresh instance for one report: the context and report are fixed for its
    /// three calls (fingerprints, correlate, route).
    pub fn evaluation<'r>(
        &self,
        ctx: &PolicyContext,
        report: &'r Report,
    ) -> Result<Evaluation<'_, 'r>, PluginError> {
        // Whatever randomness the plugin draws follows from the report and the
        // plugin, so a replay of the same report decides the same.
        let seed = Seed::of(&[b"evaluation", self.digest.as_bytes(), report.id.as_bytes()]);
        let sandbox = Sandbox::new(self, Stage::Instantiate, seed)?;
        Ok(Evaluation {
            sandbox,
            inputs: self.pre.inputs(ctx, report),
            report,
        })
    }

    /// Runs `validate-settings` with empty settings on throwaway instances. The
    /// first instance of a plugin pays one-time costs (its memory image and
    /// compiled code paged in): for a Python or JavaScript component, whose image
    /// holds a whole interpreter, that once took past the 100 ms deadline of the
    /// first real call. Paying it at load keeps every report's deadline for the
    /// policy itself, so the first answer is not held against the plugin; the
    /// second is, under the same sandbox and limits as any call: refusing the
    /// empty settings is an answer, any other fault (a trap, the deadline) makes
    /// the plugin unusable.
    pub(crate) fn warm_up(&self) -> Result<(), PluginError> {
        let _ = self.validate_settings("");
        match self.validate_settings("") {
            Err(PluginError {
                fault: Fault::Refused(_),
                ..
            }) => Ok(()),
            other => other,
        }
    }

    /// Asks the plugin whether `settings` (JSON) are acceptable, on an instance of its own.
    pub fn validate_settings(&self, settings: &str) -> Result<(), PluginError> {
        // The same settings get the same answer, however the plugin draws randomness.
        let seed = Seed::of(&[
            b"validate-settings",
            self.digest.as_bytes(),
            settings.as_bytes(),
        ]);
        let mut sandbox = Sandbox::new(self, Stage::ValidateSettings, seed)?;
        sandbox.call(Stage::ValidateSettings, |instance, store, deadline| {
            instance.validate_settings(store, deadline, settings)
        })
    }
}

/// One fresh store and instance, with the deadline re-armed before every call.
struct Sandbox<'p> {
    plugin: &'p Plugin,
    store: Store<SandboxState>,
    instance: Instance,
}

impl<'p> Sandbox<'p> {
    fn new(plugin: &'p Plugin, stage: Stage, seed: Seed) -> Result<Self, PluginError> {
        let limits = plugin.limits;
        let mut store = Store::new(
            &plugin.engine,
            SandboxState::new(limits.memory_bytes, limits.log_bytes, seed),
        );
        store.limiter(|state| state.limiter());
        store.set_hostcall_fuel(limits.copy_bytes());
        store.epoch_deadline_trap();
        store.set_epoch_deadline(deadline_ticks(&limits));
        let instantiated = plugin.pre.instantiate(&mut store, limits.deadline);
        let instance = instantiated
            .ok_or(Fault::Deadline(limits.deadline))
            .and_then(|result| {
                result.map_err(|e| match classify(&e, &store, &limits) {
                    Fault::Trap(message) => Fault::Instantiate(message),
                    other => other,
                })
            })
            .map_err(|fault| PluginError {
                digest: plugin.digest,
                stage,
                fault,
            })?;
        Ok(Sandbox {
            plugin,
            store,
            instance,
        })
    }

    /// `f` makes the call within the deadline it is given.
    fn call<R>(
        &mut self,
        stage: Stage,
        f: impl FnOnce(&Instance, &mut Store<SandboxState>, Duration) -> Answer<R>,
    ) -> Result<R, PluginError> {
        let limits = self.plugin.limits;
        self.store.set_epoch_deadline(deadline_ticks(&limits));
        let fault = match f(&self.instance, &mut self.store, limits.deadline) {
            Some(Ok(Ok(answer))) => return Ok(answer),
            Some(Ok(Err(message))) => Fault::Refused(output::message(message)),
            Some(Err(error)) => classify(&error, &self.store, &limits),
            None => Fault::Deadline(limits.deadline),
        };
        Err(PluginError {
            digest: self.plugin.digest,
            stage,
            fault,
        })
    }

    fn check<T>(&self, stage: Stage, result: Result<T, Fault>) -> Result<T, PluginError> {
        result.map_err(|fault| PluginError {
            digest: self.plugin.digest,
            stage,
            fault,
        })
    }
}

fn deadline_ticks(limits: &RuntimeLimits) -> u64 {
    (limits.deadline.as_nanos().div_ceil(EPOCH_TICK.as_nanos())).max(1) as u64
}

/// How wasmtime says a copy out of the guest ran out of hostcall fuel (see
/// [`RuntimeLimits::copy_bytes`]); its error type is private, so by its message.
const COPY_BUDGET_EXHAUSTED: &str = "fuel allocated for hostcalls has been exhausted";

/// Names what went wrong from wasmtime's error and what the plugin wrote to stderr.
fn classify(error: &wasmtime::Error, store: &Store<SandboxState>, limits: &RuntimeLimits) -> Fault {
    if error
        .chain()
        .any(|e| e.to_string().contains(COPY_BUDGET_EXHAUSTED))
    {
        return Fault::OutputTooLargeToCopy {
            copy: limits.copy_bytes(),
            limit: limits.output_bytes,
        };
    }
    if let Some(cap) = error
        .chain()
        .find_map(|e| e.downcast_ref::<MemoryCapExceeded>())
    {
        return Fault::MemoryCap {
            requested: cap.requested,
            limit: cap.limit,
        };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => Fault::Deadline(limits.deadline),
        Some(Trap::StackOverflow) => Fault::StackOverflow,
        Some(Trap::UnreachableCodeReached) => {
            Fault::Panic(panic_message(&store.data().log.stderr()))
        }
        Some(trap) => Fault::Trap(trap.to_string()),
        // The message can quote the component's own names (its backtrace).
        None => Fault::Trap(output::message(format!("{error:#}"))),
    }
}

/// Rust guests print `panicked at <place>:\n<message>` to stderr before trapping.
fn panic_message(stderr: &str) -> String {
    let mut lines = stderr
        .lines()
        .skip_while(|line| !line.contains("panicked at"));
    match (lines.next(), lines.next()) {
        (Some(_), Some(message)) => output::message(message.trim().to_string()),
        _ => "unreachable code reached (no panic message on stderr)".into(),
    }
}

/// One report's evaluation: fresh instance, then up to three calls in order.
/// Stop at the first error: a faulted instance is not entered again.
pub struct Evaluation<'p, 'r> {
    sandbox: Sandbox<'p>,
    inputs: Inputs,
    report: &'r Report,
}

impl Evaluation<'_, '_> {
    pub fn fingerprints(&mut self) -> Result<Vec<String>, PluginError> {
        let inputs = &self.inputs;
        let keys = self
            .sandbox
            .call(Stage::Fingerprints, |instance, store, deadline| {
                instance.fingerprints(store, deadline, inputs)
            })?;
        let limit = self.sandbox.plugin.limits.output_bytes;
        self.sandbox.check(
            Stage::Fingerprints,
            output::check_fingerprints(&keys, limit),
        )?;
        Ok(keys)
    }

    pub fn correlate(&mut self, candidates: &[CaseSummary]) -> Result<Correlation, PluginError> {
        let inputs = &self.inputs;
        let correlation = self
            .sandbox
            .call(Stage::Correlate, |instance, store, deadline| {
                instance.correlate(store, deadline, inputs, candidates)
            })?;
        let limit = self.sandbox.plugin.limits.output_bytes;
        self.sandbox.check(
            Stage::Correlate,
            output::check_correlation(&correlation, candidates, limit),
        )?;
        Ok(correlation)
    }

    /// `route`, with the recipients checked against `audience` (chosen from it,
    /// for a plugin that answers with selectors, whose selectors come back too).
    pub fn route(
        &mut self,
        case: &CaseSummary,
        audience: &Audience,
    ) -> Result<(Routing, Vec<Selector>), PluginError> {
        let inputs = &self.inputs;
        let routed = self
            .sandbox
            .call(Stage::Route, |instance, store, deadline| {
                instance.route(store, deadline, inputs, case, audience)
            })?;
        let limit = self.sandbox.plugin.limits.output_bytes;
        let checked = match routed {
            Routed::Members(routing) => {
                output::check_routing(&routing, self.report, audience, limit)
                    .map(|()| (routing, Vec::new()))
            }
            Routed::Selected(selected) => {
                let selectors = selected.groups.iter().map(|g| g.selector.clone()).collect();
                output::check_selected(selected, self.report, audience, limit)
                    .map(|routing| (routing, selectors))
            }
        };
        self.sandbox.check(Stage::Route, checked)
    }

    /// What the plugin logged and printed so far.
    pub fn log(&self) -> EvaluationLog {
        self.sandbox.store.data().log.finish()
    }
}

/// Wall-clock time of each step of one [`decide`](super::decide) run.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageTimes {
    pub instantiate: std::time::Duration,
    pub fingerprints: std::time::Duration,
    pub correlate: std::time::Duration,
    pub route: std::time::Duration,
}

pub(crate) fn timed<T>(slot: &mut std::time::Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    *slot = start.elapsed();
    value
}
