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
    CaseSummary, Confidence, Correlation, Ctx, DAY, MemberClass, Policy, Report, Routing,
    RoutingBuilder, Selector, Tlp, audience, correlate, export_policy, fingerprints_of, redact,
    select, tlp,
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
        Ok(fingerprints_of(report))
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

    fn route(_: &Ctx<Settings>, report: &Report, _: &CaseSummary) -> Result<Routing, String> {
        let outside_view = redact::hide_victim(report);
        let mut routing = RoutingBuilder::new();
        routing
            .group(select::submitter_organisation(), &[], 0)
            .group(outside(report), &outside_view, 0);
        Ok(routing.build())
    }
}

/// Who receives the report outside the submitter's organisation: the label's
/// default audience ([`tlp::allows`]), only the task force for a suspicion.
/// The host's audience already keeps to the label; the policy says so itself
/// rather than rely on it.
fn outside(report: &Report) -> Selector {
    let suspicion = report.confidence == Confidence::Suspicion;
    if report.tlp == Tlp::Red {
        // RED names its recipients member by member: the one case worth
        // reading the audience for.
        let named = audience()
            .into_iter()
            .filter(|m| tlp::allows(report, m) && (!suspicion || m.is_task_force()));
        return select::members(named.map(|m| m.id));
    }
    let mut filter = select::any();
    if report.tlp.is_at_least(Tlp::Amber) {
        filter.in_community = Some(true);
    }
    if suspicion {
        filter.classes = vec![MemberClass::TaskForceClass1, MemberClass::TaskForceClass2];
    }
    Selector::Filter(filter)
}

export_policy!(Baseline);

#[cfg(test)]
mod tests {
    use super::*;
    use isac_policy_sdk::testing::{case, deliveries, member, report};
    use isac_policy_sdk::{Redaction, parse_settings};

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
        let routing = Baseline::route(&ctx(), &r, &case("c-1")).unwrap();
        let delivered = deliveries(&routing, &r, &[colleague, general, class2]);
        let hidden = redact::hide_victim(&r);
        assert_eq!(delivered, vec![(vec![2], vec![], 0), (vec![4], hidden, 0)]);
    }

    #[test]
    fn a_firmer_report_reaches_everyone_victim_hidden_outside() {
        let mut r = report();
        r.tlp = Tlp::Amber;
        r.victim = Some("Victim Co".into());
        let routing = Baseline::route(&ctx(), &r, &case("c-1")).unwrap();
        let delivered = deliveries(&routing, &r, &[member(5, 50), member(6, 10)]);
        let hidden: Vec<Redaction> = redact::hide_victim(&r);
        assert_eq!(delivered, vec![(vec![5], hidden, 0), (vec![6], vec![], 0)]);
    }
}
