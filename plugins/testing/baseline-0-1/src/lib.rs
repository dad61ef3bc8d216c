//! The Council's baseline policy as it was built for contract 0.1, on the
//! frozen 0.1 SDK: an old plugin the host must keep running exactly as before
//! (`tests/tests/contract_versions.rs` runs the baseline's fixtures on it). Not
//! to be edited: the current baseline is `plugins/baseline`, on contract 0.2.
//!
//! - dedup: a report joins the case sharing the most indicator values with it, if
//!   that case had a report within `window_days` (default 30);
//! - routing: CLEAR and GREEN reach every approved member, AMBER and AMBER+STRICT
//!   the members of the community, RED the named recipients; a `suspicion` report
//!   (an early, gut-feeling report) reaches only the task force;
//! - redaction: the victim is masked, with every mention of it in the title and
//!   body, for everyone outside the submitter's organisation, which sees the original.

use isac_policy_sdk::{
    CaseSummary, Confidence, Correlation, Ctx, DAY, Member, Policy, Report, Routing,
    RoutingBuilder, correlate, export_policy, fingerprint, redact, tlp,
};
use serde::Deserialize;

/// Settings, e.g. `{"window_days": 30}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// How many days after a case's last report a new report may still join it.
    pub window_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { window_days: 30 }
    }
}

pub struct Baseline;

impl Policy for Baseline {
    type Settings = Settings;

    fn check_settings(settings: &Settings) -> Result<(), String> {
        if !(1..=3650).contains(&settings.window_days) {
            return Err(format!(
                "settings.window_days: must be between 1 and 3650, got {}",
                settings.window_days
            ));
        }
        Ok(())
    }

    fn fingerprints(_: &Ctx<Settings>, report: &Report) -> Result<Vec<String>, String> {
        Ok(fingerprint::fingerprints_of(report))
    }

    fn correlate(
        ctx: &Ctx<Settings>,
        report: &Report,
        candidates: &[CaseSummary],
    ) -> Result<Correlation, String> {
        let window = i64::from(ctx.settings.window_days) * DAY;
        Ok(correlate::within_window(
            ctx.now, window, report, candidates,
        ))
    }

    fn route(
        _: &Ctx<Settings>,
        report: &Report,
        _: &CaseSummary,
        audience: &[Member],
    ) -> Result<Routing, String> {
        let outside_view = redact::hide_victim(report);
        let mut routing = RoutingBuilder::new();
        for member in audience {
            if member.organisation == report.submitter_organisation {
                routing.deliver(member.id, &[], 0);
            } else if tlp::allows(report, member)
                && (report.confidence != Confidence::Suspicion || member.is_task_force())
            {
                routing.deliver(member.id, &outside_view, 0);
            }
        }
        Ok(routing.build())
    }
}

export_policy!(Baseline);
