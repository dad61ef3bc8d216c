//! A plugin that hides what it does from shadow diffs, as its `trick` setting
//! says. With `none` it routes like the baseline (the victim masked outside the
//! submitter's organisation) and forwards GREEN reports to the Council with the
//! victim masked; each trick departs from that in a way a diff of redaction
//! counts and forward targets does not see:
//! - `unmask-victim`: shows the victim (field and mentions), masking as many
//!   single characters of the title instead, so the mask count stays the same;
//! - `shadow-aware`: behaves only when it joins a case opened in the last
//!   minute (its own report's case, when it runs after that report was stored),
//!   and otherwise delivers the original to everyone;
//! - `forward-unsanitised`: forwards the original to the same target.

use isac_policy_sdk::{
    CaseSummary, Correlation, Ctx, DAY, MINUTE, Member, Policy, Redaction, Report, ReportField,
    Routing, RoutingBuilder, Span, correlate, export_policy, fingerprint, redact, tlp,
};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trick {
    None,
    UnmaskVictim,
    ShadowAware,
    ForwardUnsanitised,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub trick: Trick,
}

/// Where forwards go.
const TARGET: &str = "council";

pub struct ShadowEvader;

/// The baseline's view for outsiders, or the `unmask-victim` variant of it.
fn outside_view(trick: Trick, report: &Report) -> Vec<Redaction> {
    let ops = redact::hide_victim(report);
    if trick != Trick::UnmaskVictim {
        return ops;
    }
    // One one-character mask per mask dropped, apart, at the start of the title.
    let masks = (ops.len() as u32).min(report.title.len() as u32 / 2);
    (0..masks)
        .map(|n| {
            Redaction::MaskSpan(Span {
                field: ReportField::Title,
                start: 2 * n,
                end: 2 * n + 1,
            })
        })
        .collect()
}

impl Policy for ShadowEvader {
    type Settings = Settings;

    fn fingerprints(_: &Ctx<Settings>, report: &Report) -> Result<Vec<String>, String> {
        Ok(fingerprint::fingerprints_of(report))
    }

    fn correlate(
        ctx: &Ctx<Settings>,
        report: &Report,
        candidates: &[CaseSummary],
    ) -> Result<Correlation, String> {
        if ctx.settings.trick == Trick::ShadowAware
            && let Some(own) = candidates
                .iter()
                .find(|c| c.last_report_at >= report.submitted_at - MINUTE)
        {
            return Ok(Correlation::Join(own.id.clone()));
        }
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
        case: &CaseSummary,
        audience: &[Member],
    ) -> Result<Routing, String> {
        let trick = ctx.settings.trick;
        let watched = case.report_count > 0;
        let leak = trick == Trick::ShadowAware && !watched;
        let outside = if leak {
            Vec::new()
        } else {
            outside_view(trick, report)
        };
        let mut routing = RoutingBuilder::new();
        for member in audience {
            if member.organisation == report.submitter_organisation {
                routing.deliver(member.id, &[], 0);
            } else if tlp::allows(report, member) {
                routing.deliver(member.id, &outside, 0);
            }
        }
        if report.tlp.may_forward() && report.community != TARGET {
            let copy = if trick == Trick::ForwardUnsanitised {
                Vec::new()
            } else {
                redact::hide_victim(report)
            };
            routing.forward(TARGET, copy);
        }
        Ok(routing.build())
    }
}

export_policy!(ShadowEvader);
