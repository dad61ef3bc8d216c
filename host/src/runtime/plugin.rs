//! A loaded plugin (compiled once, pre-linked) and one evaluation of it on a
//! fresh instance.

use std::time::{Duration, Instant};

use time::OffsetDateTime;
use wasmtime::component::InstancePre;
use wasmtime::{Engine, Store, Trap};

use super::bindings::isac::policy::types as wit;
use super::bindings::{SharingPolicy, SharingPolicyPre};
use super::contract::ComponentInfo;
use super::log::EvaluationLog;
use super::sandbox::{MemoryCapExceeded, SandboxState, Seed};
use super::{Digest, EPOCH_TICK, Fault, PluginError, RuntimeLimits, Stage, drive, output};
use crate::model::{CaseSummary, Correlation, Member, Report, Routing};

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
    pre: SharingPolicyPre<SandboxState>,
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
        let pre = SharingPolicyPre::new(pre).map_err(|e| PluginError {
            digest,
            stage: Stage::Instantiate,
            fault: Fault::UnsupportedContract(format!(
                "its exports do not match isac:policy@0.1: {e}"
            )),
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
            ctx: wit::Context {
                community: ctx.community.clone(),
                settings: ctx.settings.clone(),
                now: ctx.now.unix_timestamp(),
            },
            wit_report: report.into(),
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
        sandbox.call(Stage::ValidateSettings, |policy, store, deadline| {
            drive::within(
                deadline,
                policy
                    .isac_policy_policy()
                    .call_validate_settings(store, settings),
            )
        })
    }
}

/// One fresh store and instance, with the deadline re-armed before every call.
struct Sandbox<'p> {
    plugin: &'p Plugin,
    store: Store<SandboxState>,
    policy: SharingPolicy,
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
        let instantiated = drive::within(limits.deadline, plugin.pre.instantiate_async(&mut store));
        let policy = instantiated
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
            policy,
        })
    }

    /// `f` runs the call through [`drive::within`] with the deadline it is given;
    /// `None` means the deadline passed while the guest waited in an import.
    fn call<R>(
        &mut self,
        stage: Stage,
        f: impl FnOnce(
            &SharingPolicy,
            &mut Store<SandboxState>,
            Duration,
        ) -> Option<wasmtime::Result<Result<R, String>>>,
    ) -> Result<R, PluginError> {
        let limits = self.plugin.limits;
        self.store.set_epoch_deadline(deadline_ticks(&limits));
        let fault = match f(&self.policy, &mut self.store, limits.deadline) {
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

    fn check(&self, stage: Stage, result: Result<(), Fault>) -> Result<(), PluginError> {
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
    ctx: wit::Context,
    wit_report: wit::Report,
    report: &'r Report,
}

impl Evaluation<'_, '_> {
    pub fn fingerprints(&mut self) -> Result<Vec<String>, PluginError> {
        let (ctx, report) = (&self.ctx, &self.wit_report);
        let keys = self
            .sandbox
            .call(Stage::Fingerprints, |policy, store, deadline| {
                drive::within(
                    deadline,
                    policy
                        .isac_policy_policy()
                        .call_fingerprints(store, ctx, report),
                )
            })?;
        let limit = self.sandbox.plugin.limits.output_bytes;
        self.sandbox.check(
            Stage::Fingerprints,
            output::check_fingerprints(&keys, limit),
        )?;
        Ok(keys)
    }

    pub fn correlate(&mut self, candidates: &[CaseSummary]) -> Result<Correlation, PluginError> {
        let wit_candidates: Vec<wit::CaseSummary> = candidates.iter().map(Into::into).collect();
        let (ctx, report) = (&self.ctx, &self.wit_report);
        let correlation: Correlation = self
            .sandbox
            .call(Stage::Correlate, |policy, store, deadline| {
                drive::within(
                    deadline,
                    policy
                        .isac_policy_policy()
                        .call_correlate(store, ctx, report, &wit_candidates),
                )
            })?
            .into();
        let limit = self.sandbox.plugin.limits.output_bytes;
        self.sandbox.check(
            Stage::Correlate,
            output::check_correlation(&correlation, candidates, limit),
        )?;
        Ok(correlation)
    }

    pub fn route(
        &mut self,
        case: &CaseSummary,
        audience: &[Member],
    ) -> Result<Routing, PluginError> {
        let wit_case = wit::CaseSummary::from(case);
        let wit_audience: Vec<wit::Member> = audience.iter().map(Into::into).collect();
        let (ctx, report) = (&self.ctx, &self.wit_report);
        let routing: Routing = self
            .sandbox
            .call(Stage::Route, |policy, store, deadline| {
                drive::within(
                    deadline,
                    policy.isac_policy_policy().call_route(
                        store,
                        ctx,
                        report,
                        &wit_case,
                        &wit_audience,
                    ),
                )
            })?
            .into();
        let limit = self.sandbox.plugin.limits.output_bytes;
        self.sandbox.check(
            Stage::Route,
            output::check_routing(&routing, self.report, audience, limit),
        )?;
        Ok(routing)
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
