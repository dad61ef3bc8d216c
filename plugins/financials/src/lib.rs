//! A Financials ISAC policy: banks, securities and insurers share among themselves
//! and pass confirmed, sanitised reports up to the Council.
//!
//! - dedup: as the Council baseline (shared indicator within `window_days`);
//! - routing: TLP 2.0 default audience; a `confirmed` report that TLP lets leave the
//!   community is forwarded to the Council (`council`, default `"council"`) with the
//!   victim, the body and every e-mail indicator removed;
//! - redaction: the victim is always masked outside the submitter's organisation
//!   (field and mentions); e-mail indicators (customer and staff addresses, often)
//!   are dropped for recipients that are not financial institutions.

use isac_policy_sdk::{
    CaseSummary, Confidence, Correlation, Ctx, DAY, IndicatorKind, Policy, Redaction, Report,
    ReportField, Routing, RoutingBuilder, Sector, correlate, export_policy, fingerprints_of,
    redact, select,
};
use serde::Deserialize;

/// Settings, e.g. `{"council": "council", "window_days": 30}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The community id of the Council, which receives confirmed reports.
    pub council: String,
    /// How many days after a case's last report a new report may still join it.
    pub window_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            council: "council".into(),
            window_days: 30,
        }
    }
}

pub struct Financials;

impl Policy for Financials {
    type Settings = Settings;

    fn check_settings(settings: &Settings) -> Result<(), String> {
        if settings.council.trim().is_empty() {
            return Err("settings.council: must name the Council's community id".into());
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

    fn route(ctx: &Ctx<Settings>, report: &Report, _: &CaseSummary) -> Result<Routing, String> {
        let hidden_victim = redact::hide_victim(report);
        let emails = redact::drop_indicators(report, |i| i.kind == IndicatorKind::Email);
        let for_financials = hidden_victim.clone();
        let for_others: Vec<Redaction> = hidden_victim.iter().chain(&emails).cloned().collect();

        let mut routing = RoutingBuilder::new();
        routing
            .group(select::submitter_organisation(), &[], 0)
            .group(select::sectors([Sector::Financials]), &for_financials, 0)
            .group(select::everyone(), &for_others, 0);

        let council = &ctx.settings.council;
        let already_there = ctx.community == *council || report.provenance.contains(council);
        if report.confidence == Confidence::Confirmed && report.tlp.may_forward() && !already_there
        {
            let mut sanitised = for_others;
            sanitised.push(Redaction::DropField(ReportField::Body));
            routing.forward(council.clone(), sanitised);
        }
        Ok(routing.build())
    }
}

export_policy!(Financials);

#[cfg(test)]
mod tests {
    use super::*;
    use isac_policy_sdk::testing::{case, deliveries, member, report_with};
    use isac_policy_sdk::{Indicator, Tlp};

    fn ctx() -> Ctx<Settings> {
        Ctx {
            community: "financials".into(),
            now: 1_700_000_000,
            settings: Settings::default(),
        }
    }

    fn phishing_report() -> Report {
        let mut r = report_with(vec![
            Indicator {
                kind: IndicatorKind::Domain,
                value: "bank-login.example".into(),
            },
            Indicator {
                kind: IndicatorKind::Email,
                value: "ceo@victim.example".into(),
            },
        ]);
        r.victim = Some("Victim Bank".into());
        r
    }

    #[test]
    fn emails_only_for_financial_institutions() {
        let mut bank = member(2, 20);
        bank.sector = Sector::Financials;
        let vendor = member(3, 30);
        let r = phishing_report();
        let routing = Financials::route(&ctx(), &r, &case("c-1")).unwrap();
        let delivered = deliveries(&routing, &r, &[bank, vendor]);
        let recipients: Vec<&[u64]> = delivered.iter().map(|(m, _, _)| m.as_slice()).collect();
        assert_eq!(recipients, [[2], [3]]);
        assert!(!delivered[0].1.contains(&Redaction::DropIndicator(1)));
        assert!(delivered[1].1.contains(&Redaction::DropIndicator(1)));
        assert!(
            routing.forwards.is_empty(),
            "unconfirmed reports stay in the ISAC"
        );
    }

    #[test]
    fn confirmed_goes_to_council_sanitised_unless_strict() {
        let mut r = phishing_report();
        r.confidence = Confidence::Confirmed;
        let routing = Financials::route(&ctx(), &r, &case("c-1")).unwrap();
        assert_eq!(routing.forwards.len(), 1);
        let fwd = &routing.forwards[0];
        assert_eq!(fwd.community, "council");
        assert!(
            fwd.redactions
                .contains(&Redaction::DropField(ReportField::Body))
        );
        assert!(fwd.redactions.contains(&Redaction::DropIndicator(1)));
        r.tlp = Tlp::AmberStrict;
        assert!(
            Financials::route(&ctx(), &r, &case("c-1"))
                .unwrap()
                .forwards
                .is_empty()
        );
        r.tlp = Tlp::Green;
        r.provenance = vec!["council".into()];
        assert!(
            Financials::route(&ctx(), &r, &case("c-1"))
                .unwrap()
                .forwards
                .is_empty()
        );
    }
}
