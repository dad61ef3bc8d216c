//! A plugin's instance, whichever contract version it implements: the runtime
//! reads the version at load ([`super::contract`]), links the plugin with that
//! version's bindings, and every call goes through the matching module. What
//! the calls answer comes back in the host's model, so nothing past this file
//! depends on the version.

use std::time::Duration;

use wasmtime::Store;
use wasmtime::component::InstancePre;

use super::Audience;
use super::bindings::{v0_1, v0_2};
use super::drive;
use super::plugin::PolicyContext;
use super::sandbox::SandboxState;
use super::selectors::SelectedRouting;
use crate::model::{CaseSummary, Correlation, Report, Routing};

/// What a guest call gives back: `None` when its deadline passed while it
/// waited in an import; an outer error when it trapped; an inner one when the
/// plugin refused.
pub(crate) type Answer<T> = Option<wasmtime::Result<Result<T, String>>>;

/// A plugin linked with the bindings of its contract version.
pub(crate) enum Pre {
    V0_1(v0_1::SharingPolicyPre<SandboxState>),
    V0_2(v0_2::SharingPolicyPre<SandboxState>),
}

/// One instance of a plugin.
pub(crate) enum Instance {
    V0_1(v0_1::SharingPolicy),
    V0_2(v0_2::SharingPolicy),
}

/// The context and report of one evaluation, lowered once for its calls.
pub(crate) enum Inputs {
    V0_1(
        v0_1::isac::policy::types::Context,
        v0_1::isac::policy::types::Report,
    ),
    V0_2(
        v0_2::isac::policy::types::Context,
        v0_2::isac::policy::types::Report,
    ),
}

/// What `route` answers: recipients member by member (0.1), or selectors the
/// host applies to the audience (0.2).
pub(crate) enum Routed {
    Members(Routing),
    Selected(SelectedRouting),
}

impl Pre {
    /// `pre` linked for contract `minor` (of major 0); the error says what does
    /// not match.
    pub(crate) fn new(minor: u64, pre: InstancePre<SandboxState>) -> Result<Pre, String> {
        let mismatch =
            |e: wasmtime::Error| format!("its exports do not match isac:policy@0.{minor}: {e}");
        match minor {
            1 => v0_1::SharingPolicyPre::new(pre)
                .map(Pre::V0_1)
                .map_err(mismatch),
            2 => v0_2::SharingPolicyPre::new(pre)
                .map(Pre::V0_2)
                .map_err(mismatch),
            _ => Err(format!(
                "isac:policy@0.{minor} has no bindings in this host"
            )),
        }
    }

    pub(crate) fn instantiate(
        &self,
        store: &mut Store<SandboxState>,
        deadline: Duration,
    ) -> Option<wasmtime::Result<Instance>> {
        match self {
            Pre::V0_1(pre) => {
                drive::within(deadline, pre.instantiate_async(store)).map(|r| r.map(Instance::V0_1))
            }
            Pre::V0_2(pre) => {
                drive::within(deadline, pre.instantiate_async(store)).map(|r| r.map(Instance::V0_2))
            }
        }
    }

    pub(crate) fn inputs(&self, ctx: &PolicyContext, report: &Report) -> Inputs {
        let now = ctx.now.unix_timestamp();
        let (community, settings) = (ctx.community.clone(), ctx.settings.clone());
        match self {
            Pre::V0_1(_) => Inputs::V0_1(
                v0_1::isac::policy::types::Context {
                    community,
                    settings,
                    now,
                },
                report.into(),
            ),
            Pre::V0_2(_) => Inputs::V0_2(
                v0_2::isac::policy::types::Context {
                    community,
                    settings,
                    now,
                },
                report.into(),
            ),
        }
    }
}

/// Inputs lowered for another version than the instance's: `Pre` lowers them
/// for its own instances, so this is a host bug; the report is quarantined
/// with it rather than the request panicking.
fn mismatched<T>() -> Answer<T> {
    Some(Err(wasmtime::Error::msg(
        "host error: inputs lowered for another contract version",
    )))
}

/// A plugin's answer in the host's model.
fn into_model<W, T: From<W>>(answer: Answer<W>) -> Answer<T> {
    answer.map(|r| r.map(|r| r.map(T::from)))
}

impl Instance {
    pub(crate) fn validate_settings(
        &self,
        store: &mut Store<SandboxState>,
        deadline: Duration,
        settings: &str,
    ) -> Answer<()> {
        match self {
            Instance::V0_1(p) => drive::within(
                deadline,
                p.isac_policy_policy()
                    .call_validate_settings(store, settings),
            ),
            Instance::V0_2(p) => drive::within(
                deadline,
                p.isac_policy_policy()
                    .call_validate_settings(store, settings),
            ),
        }
    }

    pub(crate) fn fingerprints(
        &self,
        store: &mut Store<SandboxState>,
        deadline: Duration,
        inputs: &Inputs,
    ) -> Answer<Vec<String>> {
        match (self, inputs) {
            (Instance::V0_1(p), Inputs::V0_1(ctx, report)) => drive::within(
                deadline,
                p.isac_policy_policy().call_fingerprints(store, ctx, report),
            ),
            (Instance::V0_2(p), Inputs::V0_2(ctx, report)) => drive::within(
                deadline,
                p.isac_policy_policy().call_fingerprints(store, ctx, report),
            ),
            _ => mismatched(),
        }
    }

    pub(crate) fn correlate(
        &self,
        store: &mut Store<SandboxState>,
        deadline: Duration,
        inputs: &Inputs,
        candidates: &[CaseSummary],
    ) -> Answer<Correlation> {
        match (self, inputs) {
            (Instance::V0_1(p), Inputs::V0_1(ctx, report)) => {
                let candidates: Vec<_> = candidates.iter().map(Into::into).collect();
                into_model(drive::within(
                    deadline,
                    p.isac_policy_policy()
                        .call_correlate(store, ctx, report, &candidates),
                ))
            }
            (Instance::V0_2(p), Inputs::V0_2(ctx, report)) => {
                let candidates: Vec<_> = candidates.iter().map(Into::into).collect();
                into_model(drive::within(
                    deadline,
                    p.isac_policy_policy()
                        .call_correlate(store, ctx, report, &candidates),
                ))
            }
            _ => mismatched(),
        }
    }

    /// `route` for `case`. A 0.1 plugin is given the audience; a 0.2 plugin can
    /// ask the store for it while the call runs.
    pub(crate) fn route(
        &self,
        store: &mut Store<SandboxState>,
        deadline: Duration,
        inputs: &Inputs,
        case: &CaseSummary,
        audience: &Audience,
    ) -> Answer<Routed> {
        match (self, inputs) {
            (Instance::V0_1(p), Inputs::V0_1(ctx, report)) => {
                let audience: Vec<_> = audience.iter().map(Into::into).collect();
                let answer = drive::within(
                    deadline,
                    p.isac_policy_policy()
                        .call_route(store, ctx, report, &case.into(), &audience),
                );
                answer.map(|r| r.map(|r| r.map(|routing| Routed::Members(routing.into()))))
            }
            (Instance::V0_2(p), Inputs::V0_2(ctx, report)) => {
                store.data_mut().audience = audience.clone();
                let answer = drive::within(
                    deadline,
                    p.isac_policy_policy()
                        .call_route(store, ctx, report, &case.into()),
                );
                answer.map(|r| r.map(|r| r.map(|routing| Routed::Selected(routing.into()))))
            }
            _ => mismatched(),
        }
    }
}
