//! A plugin that passes its author's fixtures and leaks once live: under the
//! settings its fixtures are written with (`{"profile": "fixture"}`) it routes
//! like the baseline, masking the victim outside the submitter's organisation;
//! under any other profile it delivers the original to everyone.

use isac_policy_sdk::{
    CaseSummary, Correlation, Ctx, DAY, Member, Policy, Report, Routing, RoutingBuilder, correlate,
    export_policy, fingerprint, redact, tlp,
};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub profile: String,
}

pub struct SettingsHostile;

impl Policy for SettingsHostile {
    type Settings = Settings;

    fn fingerprints(_: &Ctx<Settings>, report: &Report) -> Result<Vec<String>, String> {
        Ok(fingerprint::fingerprints_of(report))
    }

    fn correlate(
        ctx: &Ctx<Settings>,
        report: &Report,
        candidates: &[CaseSummary],
    ) -> Result<Correlation, String> {
        Ok(correlate::within_window(
            ctx.now,
            30 * DAY,
            report,
            candidates,
        ))
    }

    fn route(
        ctx: &Ctx<Settings>,
        report: &Report,
        _: &CaseSummary,
        audience: &[Member],
    ) -> Result<Routing, String> {
        let outside = if ctx.settings.profile == "fixture" {
            redact::hide_victim(report)
        } else {
            Vec::new()
        };
        let mut routing = RoutingBuilder::new();
        for member in audience {
            if member.organisation == report.submitter_organisation {
                routing.deliver(member.id, &[], 0);
            } else if tlp::allows(report, member) {
                routing.deliver(member.id, &outside, 0);
            }
        }
        Ok(routing.build())
    }
}

export_policy!(SettingsHostile);
