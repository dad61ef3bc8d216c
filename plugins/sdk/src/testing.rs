//! Small builders for plugin unit tests run natively (`cargo test`): a plausible
//! report and member that a test then adjusts field by field, and the host's
//! application of selectors ([`deliveries`]) to check a routing against them.

use crate::{
    CaseSummary, Confidence, Contribution, Indicator, Member, MemberClass, MemberId,
    OrganisationId, OrganisationKind, Redaction, Report, Routing, Sector, Selector, Tlp,
};

/// A GREEN, unconfirmed report by member 1 of organisation 10 in community `council`,
/// with no indicators.
pub fn report() -> Report {
    Report {
        id: "r-1".into(),
        community: "council".into(),
        submitter: 1,
        submitter_organisation: 10,
        submitter_kind: OrganisationKind::CriticalInfrastructure,
        submitter_sector: Sector::Other,
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

/// A delivery as the host makes it from a routing: recipients, redactions, delay.
pub type Delivered = (Vec<MemberId>, Vec<Redaction>, u32);

/// What the host delivers for `routing` to `audience`, for unit tests run
/// natively: each member in the first group whose selector chooses it, groups
/// with the same view and delay merged, groups that chose nobody left out.
pub fn deliveries(routing: &Routing, report: &Report, audience: &[Member]) -> Vec<Delivered> {
    let mut delivered: Vec<Delivered> = Vec::new();
    for member in audience {
        let Some(group) = routing
            .groups
            .iter()
            .find(|g| chooses(&g.recipients, member, report))
        else {
            continue;
        };
        let same = delivered
            .iter_mut()
            .find(|(_, r, d)| *r == group.redactions && *d == group.delay_seconds);
        match same {
            Some((recipients, _, _)) => recipients.push(member.id),
            None => delivered.push((
                vec![member.id],
                group.redactions.clone(),
                group.delay_seconds,
            )),
        }
    }
    delivered
}

/// Whether `selector` chooses `member` for `report`, as the host decides it.
pub fn chooses(selector: &Selector, member: &Member, report: &Report) -> bool {
    let filter = match selector {
        Selector::Everyone => return true,
        Selector::Members(ids) => return ids.contains(&member.id),
        Selector::Filter(filter) => filter,
    };
    let same_organisation = member.organisation == report.submitter_organisation;
    let c = &member.contribution;
    (filter.organisation_kinds.is_empty()
        || filter
            .organisation_kinds
            .contains(&member.organisation_kind))
        && (filter.sectors.is_empty() || filter.sectors.contains(&member.sector))
        && (filter.classes.is_empty() || filter.classes.contains(&member.class))
        && filter
            .in_community
            .is_none_or(|wanted| wanted == member.in_community)
        && filter
            .submitter_organisation
            .is_none_or(|wanted| wanted == same_organisation)
        && filter.contribution.as_ref().is_none_or(|m| {
            c.reports_90d >= m.reports_90d
                && c.confirmed_90d >= m.confirmed_90d
                && c.feedback_90d >= m.feedback_90d
                && c.countermeasures_90d >= m.countermeasures_90d
        })
}
