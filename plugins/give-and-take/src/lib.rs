//! The give-and-take rule: active providers must get more out of sharing than
//! passive members. Members who contributed nothing in the last 90 days (no report,
//! no feedback, no countermeasure) receive reports `free_rider_delay_hours` later
//! (default 24); active providers and the submitter's organisation receive them at
//! once.
//!
//! - dedup: as the Council baseline (shared indicator within `window_days`);
//! - routing: TLP 2.0 default audience, delayed for free riders;
//! - redaction: the victim is masked outside the submitter's organisation.

use isac_policy_sdk::{
    CaseSummary, ContributionMinimum, Correlation, Ctx, DAY, HOUR, Policy, Report, Routing,
    RoutingBuilder, correlate, export_policy, fingerprints_of, redact, select,
};
use serde::Deserialize;

/// Settings, e.g. `{"free_rider_delay_hours": 24, "window_days": 30}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// How long members without a contribution in 90 days wait, in hours (0 to 720).
    pub free_rider_delay_hours: u32,
    /// How many days after a case's last report a new report may still join it.
    pub window_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            free_rider_delay_hours: 24,
            window_days: 30,
        }
    }
}

pub struct GiveAndTake;

impl Policy for GiveAndTake {
    type Settings = Settings;

    fn check_settings(settings: &Settings) -> Result<(), String> {
        if settings.free_rider_delay_hours > 720 {
            return Err(format!(
                "settings.free_rider_delay_hours: must be between 0 and 720, got {}",
                settings.free_rider_delay_hours
            ));
        }
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

    /// An active provider gave a report, feedback or a countermeasure: one
    /// group for each, since a member gets the first group that chooses it.
    fn route(ctx: &Ctx<Settings>, report: &Report, _: &CaseSummary) -> Result<Routing, String> {
        let delay = ctx.settings.free_rider_delay_hours * HOUR as u32;
        let outside_view = redact::hide_victim(report);
        let gave = |minimum: ContributionMinimum| select::contributed(minimum);
        let mut routing = RoutingBuilder::new();
        routing
            .group(select::submitter_organisation(), &[], 0)
            .group(
                gave(ContributionMinimum {
                    reports_90d: 1,
                    ..select::no_minimum()
                }),
                &outside_view,
                0,
            )
            .group(
                gave(ContributionMinimum {
                    feedback_90d: 1,
                    ..select::no_minimum()
                }),
                &outside_view,
                0,
            )
            .group(
                gave(ContributionMinimum {
                    countermeasures_90d: 1,
                    ..select::no_minimum()
                }),
                &outside_view,
                0,
            )
            .group(select::everyone(), &outside_view, delay);
        Ok(routing.build())
    }
}

export_policy!(GiveAndTake);

#[cfg(test)]
mod tests {
    use super::*;
    use isac_policy_sdk::parse_settings;
    use isac_policy_sdk::testing::{case, deliveries, member, report};

    #[test]
    fn free_riders_wait_providers_do_not() {
        let ctx = Ctx {
            community: "software".into(),
            now: 0,
            settings: parse_settings::<GiveAndTake>(r#"{"free_rider_delay_hours": 6}"#).unwrap(),
        };
        let mut provider = member(2, 20);
        provider.contribution.feedback_90d = 1;
        let mut lapsed = member(3, 30);
        lapsed.contribution.reports_total = 40;
        let r = report();
        let routing = GiveAndTake::route(&ctx, &r, &case("c")).unwrap();
        let delivered = deliveries(&routing, &r, &[provider, lapsed]);
        let shape: Vec<(Vec<u64>, u32)> = delivered.into_iter().map(|(m, _, d)| (m, d)).collect();
        assert_eq!(shape, vec![(vec![2], 0), (vec![3], 6 * 3600)]);
    }

    #[test]
    fn delay_is_bounded() {
        let err = parse_settings::<GiveAndTake>(r#"{"free_rider_delay_hours": 721}"#).unwrap_err();
        assert!(err.starts_with("settings.free_rider_delay_hours:"), "{err}");
    }
}
