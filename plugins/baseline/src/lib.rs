//! The Council's default sharing policy, and a starting point for sector ISACs.
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
        Ok(fingerprint::of_indicators(report))
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

#[cfg(test)]
mod tests {
    use super::*;
    use isac_policy_sdk::testing::{case, member, report};
    use isac_policy_sdk::{MemberClass, Redaction, Tlp, parse_settings};

    fn ctx() -> Ctx<Settings> {
        Ctx {
            community: "council".into(),
            now: 1_700_000_000,
            settings: Settings::default(),
        }
    }

    #[test]
    fn settings_name_the_bad_field() {
        assert!(parse_settings::<Baseline>("").is_ok());
        assert_eq!(
            parse_settings::<Baseline>(r#"{"window_days": 7}"#)
                .unwrap()
                .window_days,
            7
        );
        let zero = parse_settings::<Baseline>(r#"{"window_days": 0}"#).unwrap_err();
        assert!(
            zero.starts_with("settings.window_days: must be between"),
            "{zero}"
        );
        let typo = parse_settings::<Baseline>(r#"{"window_day": 7}"#).unwrap_err();
        assert!(typo.contains("window_day"), "{typo}");
        let kind = parse_settings::<Baseline>(r#"{"window_days": "7"}"#).unwrap_err();
        assert!(
            kind.starts_with("settings.window_days: invalid type"),
            "{kind}"
        );
    }

    #[test]
    fn suspicion_reaches_own_organisation_and_task_force_only() {
        let mut r = report();
        r.confidence = Confidence::Suspicion;
        r.victim = Some("Victim Co".into());
        let colleague = member(2, 10);
        let general = member(3, 30);
        let mut class2 = member(4, 40);
        class2.class = MemberClass::TaskForceClass2;
        let routing =
            Baseline::route(&ctx(), &r, &case("c-1"), &[colleague, general, class2]).unwrap();
        let recipients: Vec<Vec<u64>> = routing
            .groups
            .iter()
            .map(|g| g.recipients.clone())
            .collect();
        assert_eq!(recipients, vec![vec![2], vec![4]]);
        assert_eq!(routing.groups[0].redactions, Vec::<Redaction>::new());
        assert_eq!(routing.groups[1].redactions, redact::hide_victim(&r));
    }

    #[test]
    fn amber_stays_in_community() {
        let mut r = report();
        r.tlp = Tlp::Amber;
        let mut outsider = member(5, 50);
        outsider.in_community = false;
        let routing =
            Baseline::route(&ctx(), &r, &case("c-1"), &[outsider, member(6, 60)]).unwrap();
        assert_eq!(routing.groups.len(), 1);
        assert_eq!(routing.groups[0].recipients, vec![6]);
    }
}
