//! Small builders for plugin unit tests run natively (`cargo test`): a plausible
//! report and member that a test then adjusts field by field.

use crate::{
    CaseSummary, Confidence, Contribution, Indicator, Member, MemberClass, MemberId,
    OrganisationId, OrganisationKind, Report, Sector, Tlp,
};

/// A GREEN, unconfirmed report by member 1 of organisation 10 in community `council`,
/// with no indicators.
pub fn report() -> Report {
    Report {
        id: "r-1".into(),
        community: "council".into(),
        submitter: 1,
        submitter_organisation: 10,
        submitted_at: 1_700_000_000,
        title: "Phishing wave".into(),
        body: "Mails impersonating a bank".into(),
        tlp: Tlp::Green,
        confidence: Confidence::Unconfirmed,
        indicators: Vec::new(),
        tags: Vec::new(),
        victim: None,
        named_recipients: Vec::new(),
        provenance: Vec::new(),
    }
}

/// [`report`] with these indicators.
pub fn report_with(indicators: Vec<Indicator>) -> Report {
    Report {
        indicators,
        ..report()
    }
}

/// A general member of the community, a critical-infrastructure operator in `other`
/// sector, who has contributed nothing yet.
pub fn member(id: MemberId, organisation: OrganisationId) -> Member {
    Member {
        id,
        organisation,
        organisation_kind: OrganisationKind::CriticalInfrastructure,
        sector: Sector::Other,
        in_community: true,
        class: MemberClass::General,
        contribution: Contribution {
            reports_90d: 0,
            confirmed_90d: 0,
            feedback_90d: 0,
            countermeasures_90d: 0,
            reports_total: 0,
            confirmed_total: 0,
            feedback_total: 0,
            countermeasures_total: 0,
        },
    }
}

/// An unconfirmed case with one report, opened and last reported at time 0, sharing
/// no fingerprint with anything.
pub fn case(id: &str) -> CaseSummary {
    CaseSummary {
        id: id.into(),
        title: id.into(),
        opened_at: 0,
        last_report_at: 0,
        report_count: 1,
        confidence: Confidence::Unconfirmed,
        shared_fingerprints: Vec::new(),
    }
}
