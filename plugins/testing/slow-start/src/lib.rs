//! A plugin that is slow to check its settings (400 ms, any settings, including
//! the empty ones the host's load-time warm-up passes) and otherwise routes to
//! nobody. Under a deadline above 400 ms it loads; under the default 100 ms its
//! warm-up faults, which must leave it unusable, not keep the server from starting.

use std::time::Duration;

use isac_policy_sdk::{
    CaseSummary, Correlation, Ctx, Member, Policy, Report, Routing, RoutingBuilder, export_policy,
};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {}

pub struct SlowStart;

impl Policy for SlowStart {
    type Settings = Settings;

    fn check_settings(_: &Settings) -> Result<(), String> {
        std::thread::sleep(Duration::from_millis(400));
        Ok(())
    }

    fn fingerprints(_: &Ctx<Settings>, _: &Report) -> Result<Vec<String>, String> {
        Ok(Vec::new())
    }

    fn correlate(
        _: &Ctx<Settings>,
        report: &Report,
        _: &[CaseSummary],
    ) -> Result<Correlation, String> {
        Ok(Correlation::NewCase(report.title.clone()))
    }

    fn route(
        _: &Ctx<Settings>,
        _: &Report,
        _: &CaseSummary,
        _: &[Member],
    ) -> Result<Routing, String> {
        Ok(RoutingBuilder::new().build())
    }
}

export_policy!(SlowStart);
