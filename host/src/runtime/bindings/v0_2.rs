//! Host bindings of contract `isac:policy@0.2`: `route` names its recipients
//! with selectors the host applies to the audience, which the plugin reads
//! only if it asks (`host.audience`); a report says what kind of organisation
//! submitted it.

use crate::model;
use crate::runtime::selectors::{
    ContributionMinimum, MemberFilter, SelectedGroup, SelectedRouting, Selector,
};

wasmtime::component::bindgen!({
    path: "../wit/v0.2",
    world: "sharing-policy",
    // Calls run on wasmtime's async path so a waiting guest can be timed out (see `drive`).
    exports: { default: async },
});

use isac::policy::types as wit;

shared_conversions!();

impl From<wit::OrganisationKind> for model::OrganisationKind {
    fn from(k: wit::OrganisationKind) -> Self {
        use wit::OrganisationKind as W;
        match k {
            W::NationalAgency => model::OrganisationKind::NationalAgency,
            W::LocalGovernment => model::OrganisationKind::LocalGovernment,
            W::CriticalInfrastructure => model::OrganisationKind::CriticalInfrastructure,
            W::SecurityVendor => model::OrganisationKind::SecurityVendor,
            W::Academic => model::OrganisationKind::Academic,
            W::Other => model::OrganisationKind::Other,
        }
    }
}

impl From<wit::Sector> for model::Sector {
    fn from(s: wit::Sector) -> Self {
        use wit::Sector as W;
        match s {
            W::Government => model::Sector::Government,
            W::Financials => model::Sector::Financials,
            W::Automotive => model::Sector::Automotive,
            W::Electricity => model::Sector::Electricity,
            W::Transportation => model::Sector::Transportation,
            W::Ict => model::Sector::Ict,
            W::Software => model::Sector::Software,
            W::Trading => model::Sector::Trading,
            W::Medical => model::Sector::Medical,
            W::Security => model::Sector::Security,
            W::Education => model::Sector::Education,
            W::Other => model::Sector::Other,
        }
    }
}

impl From<wit::MemberClass> for model::MemberClass {
    fn from(c: wit::MemberClass) -> Self {
        match c {
            wit::MemberClass::General => model::MemberClass::General,
            wit::MemberClass::TaskForceClass1 => model::MemberClass::TaskForceClass1,
            wit::MemberClass::TaskForceClass2 => model::MemberClass::TaskForceClass2,
        }
    }
}

report_conversion!(r => {
    submitter_kind: r.submitter_kind.into(),
    submitter_sector: r.submitter_sector.into(),
});

impl From<wit::Selector> for Selector {
    fn from(s: wit::Selector) -> Self {
        match s {
            wit::Selector::Everyone => Selector::Everyone,
            wit::Selector::Members(ids) => Selector::Members(ids),
            wit::Selector::Filter(f) => Selector::Filter(MemberFilter {
                organisation_kinds: f.organisation_kinds.into_iter().map(Into::into).collect(),
                sectors: f.sectors.into_iter().map(Into::into).collect(),
                classes: f.classes.into_iter().map(Into::into).collect(),
                in_community: f.in_community,
                submitter_organisation: f.submitter_organisation,
                contribution: f.contribution.map(|c| ContributionMinimum {
                    reports_90d: c.reports_90d,
                    confirmed_90d: c.confirmed_90d,
                    feedback_90d: c.feedback_90d,
                    countermeasures_90d: c.countermeasures_90d,
                }),
            }),
        }
    }
}

impl From<wit::Routing> for SelectedRouting {
    fn from(r: wit::Routing) -> Self {
        SelectedRouting {
            groups: r
                .groups
                .into_iter()
                .map(|g| SelectedGroup {
                    selector: g.recipients.into(),
                    redactions: g.redactions.into_iter().map(Into::into).collect(),
                    delay_seconds: g.delay_seconds,
                })
                .collect(),
            forwards: r.forwards.into_iter().map(Into::into).collect(),
        }
    }
}
