//! A plugin that puts report text where operators look: it logs the title and
//! body of every report, refuses with the body when its settings say
//! `{"refuse": true}`, and delays the deliveries of feedback by the submitter's
//! member id (a covert channel naming whoever the host says gave the feedback).
//! Otherwise it routes like the baseline.

use isac_policy_sdk::{
    CaseSummary, Correlation, Ctx, DAY, LogLevel, Member, Policy, Report, Routing, RoutingBuilder,
    correlate, export_policy, fingerprint, log, redact, tlp,
};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub refuse: bool,
}

pub struct LogLeaker;

impl Policy for LogLeaker {
    type Settings = Settings;

    fn fingerprints(_: &Ctx<Settings>, report: &Report) -> Result<Vec<String>, String> {
        log(
            LogLevel::Info,
            &format!("{}: {}", report.title, report.body),
        );
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
        if ctx.settings.refuse {
            return Err(format!("will not route: {}", report.body));
        }
        let delay = if report.tags.iter().any(|t| t == "feedback") {
            u32::try_from(report.submitter).unwrap_or(u32::MAX)
        } else {
            0
        };
        let outside = redact::hide_victim(report);
        let mut routing = RoutingBuilder::new();
        for member in audience {
            if member.organisation == report.submitter_organisation {
                routing.deliver(member.id, &[], delay);
            } else if tlp::allows(report, member) {
                routing.deliver(member.id, &outside, delay);
            }
        }
        Ok(routing.build())
    }
}

export_policy!(LogLeaker);
