//! A contract 0.2 policy written against the WIT directly: the submitter's
//! organisation sees its report whole, and so do the other financial
//! institutions when a financial institution submits it; otherwise a
//! suspicion goes to the task force only and anything firmer to everyone,
//! victim withheld. It asks the host for the audience only to log its size,
//! so tests can see the import answer.
//! Only a wasm build exports it: a native build of the workspace has no use
//! for the contract's export names and cannot link its imports.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({ path: "../../../wit/v0.2", world: "sharing-policy" });

use exports::isac::policy::policy::Guest;
use isac::policy::host;
use isac::policy::types::{
    CaseSummary, Confidence, Context, Correlation, DeliveryGroup, IndicatorKind, LogLevel,
    MemberClass, MemberFilter, Redaction, Report, ReportField, Routing, Sector, Selector,
};

struct Selectors;

fn kind(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Ipv4 => "ipv4",
        IndicatorKind::Ipv6 => "ipv6",
        IndicatorKind::Domain => "domain",
        IndicatorKind::Url => "url",
        IndicatorKind::Email => "email",
        IndicatorKind::Md5 => "md5",
        IndicatorKind::Sha1 => "sha1",
        IndicatorKind::Sha256 => "sha256",
        IndicatorKind::Cve => "cve",
    }
}

fn filter() -> MemberFilter {
    MemberFilter {
        organisation_kinds: Vec::new(),
        sectors: Vec::new(),
        classes: Vec::new(),
        in_community: None,
        submitter_organisation: None,
        contribution: None,
    }
}

fn group(recipients: Selector, redactions: Vec<Redaction>) -> DeliveryGroup {
    DeliveryGroup {
        recipients,
        redactions,
        delay_seconds: 0,
    }
}

impl Guest for Selectors {
    fn validate_settings(_: String) -> Result<(), String> {
        Ok(())
    }

    fn fingerprints(_: Context, report: Report) -> Result<Vec<String>, String> {
        Ok(report
            .indicators
            .iter()
            .map(|i| format!("{}:{}", kind(i.kind), i.value))
            .collect())
    }

    fn correlate(
        _: Context,
        _: Report,
        candidates: Vec<CaseSummary>,
    ) -> Result<Correlation, String> {
        Ok(match candidates.first() {
            Some(case) => Correlation::Join(case.id.clone()),
            None => Correlation::NewCase("New campaign".into()),
        })
    }

    fn route(_: Context, report: Report, _: CaseSummary) -> Result<Routing, String> {
        let audience = host::audience();
        host::log(LogLevel::Info, &format!("audience of {}", audience.len()));
        let hide_victim = vec![Redaction::DropField(ReportField::Victim)];
        let mut groups = vec![group(
            Selector::Filter(MemberFilter {
                submitter_organisation: Some(true),
                ..filter()
            }),
            Vec::new(),
        )];
        if report.submitter_sector == Sector::Financials {
            let peers = MemberFilter {
                sectors: vec![Sector::Financials],
                ..filter()
            };
            groups.push(group(Selector::Filter(peers), Vec::new()));
        }
        let rest = if report.confidence == Confidence::Suspicion {
            Selector::Filter(MemberFilter {
                classes: vec![MemberClass::TaskForceClass1, MemberClass::TaskForceClass2],
                ..filter()
            })
        } else {
            Selector::Everyone
        };
        groups.push(group(rest, hide_victim));
        Ok(Routing {
            groups,
            forwards: Vec::new(),
        })
    }
}

export!(Selectors);
