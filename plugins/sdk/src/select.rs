//! Selectors for [`RoutingBuilder::group`](crate::RoutingBuilder::group): which
//! members of the audience a group is for. The host applies them; a filter
//! chooses a member when it satisfies every restriction it names.

use crate::{ContributionMinimum, MemberClass, MemberFilter, MemberId, Sector, Selector};

/// Every member of the audience.
pub fn everyone() -> Selector {
    Selector::Everyone
}

/// These members (each must be in the audience).
pub fn members(ids: impl IntoIterator<Item = MemberId>) -> Selector {
    Selector::Members(ids.into_iter().collect())
}

/// A filter that restricts nothing yet, to fill in field by field.
pub fn any() -> MemberFilter {
    MemberFilter {
        organisation_kinds: Vec::new(),
        sectors: Vec::new(),
        classes: Vec::new(),
        in_community: None,
        submitter_organisation: None,
        contribution: None,
    }
}

/// The members acting for the submitting organisation.
pub fn submitter_organisation() -> Selector {
    Selector::Filter(MemberFilter {
        submitter_organisation: Some(true),
        ..any()
    })
}

/// The members of the task force, both classes.
pub fn task_force() -> Selector {
    Selector::Filter(MemberFilter {
        classes: vec![MemberClass::TaskForceClass1, MemberClass::TaskForceClass2],
        ..any()
    })
}

/// The members of organisations in these sectors.
pub fn sectors(sectors: impl IntoIterator<Item = Sector>) -> Selector {
    Selector::Filter(MemberFilter {
        sectors: sectors.into_iter().collect(),
        ..any()
    })
}

/// No contribution required: fill in the counts that must be reached.
pub fn no_minimum() -> ContributionMinimum {
    ContributionMinimum {
        reports_90d: 0,
        confirmed_90d: 0,
        feedback_90d: 0,
        countermeasures_90d: 0,
    }
}

/// The members who reached `minimum` over the last 90 days.
pub fn contributed(minimum: ContributionMinimum) -> Selector {
    Selector::Filter(MemberFilter {
        contribution: Some(minimum),
        ..any()
    })
}
