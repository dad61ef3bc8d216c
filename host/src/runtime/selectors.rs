//! Contract 0.2's selectors: a delivery group names its recipients by what
//! they are (every member, these members, or a filter over their attributes),
//! and the host chooses them from the audience itself. The audience is never
//! copied into the plugin unless it asks for it, so a decision costs the same
//! for a community of ten members as for one of ten thousand.

use serde::{Deserialize, Serialize};

use super::{Audience, Fault};
use crate::model::{
    DeliveryGroup, Forward, Member, MemberClass, MemberId, OrganisationKind, Redaction, Report,
    Routing, Sector,
};

/// Which members of the audience a delivery group is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selector {
    Everyone,
    Members(Vec<MemberId>),
    Filter(MemberFilter),
}

/// Members chosen by their attributes: an empty list or `None` does not restrict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFilter {
    pub organisation_kinds: Vec<OrganisationKind>,
    pub sectors: Vec<Sector>,
    pub classes: Vec<MemberClass>,
    pub in_community: Option<bool>,
    pub submitter_organisation: Option<bool>,
    pub contribution: Option<ContributionMinimum>,
}

/// Counts over the last 90 days a member must each reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionMinimum {
    pub reports_90d: u32,
    pub confirmed_90d: u32,
    pub feedback_90d: u32,
    pub countermeasures_90d: u32,
}

/// A delivery group as a 0.2 plugin names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedGroup {
    pub selector: Selector,
    pub redactions: Vec<Redaction>,
    pub delay_seconds: u32,
}

/// What a 0.2 plugin's `route` answers, before the host applies the selectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedRouting {
    pub groups: Vec<SelectedGroup>,
    pub forwards: Vec<Forward>,
}

impl Selector {
    /// Lists sorted and without repeats: a `Members` list for binary search,
    /// and a filter's kinds, sectors and classes down to the dozen values they
    /// can hold, however long the plugin made them, since every member of the
    /// audience is compared with them.
    fn normalise(&mut self) {
        match self {
            Selector::Everyone => {}
            Selector::Members(ids) => {
                ids.sort_unstable();
                ids.dedup();
            }
            Selector::Filter(filter) => {
                dedup(&mut filter.organisation_kinds);
                dedup(&mut filter.sectors);
                dedup(&mut filter.classes);
            }
        }
    }

    /// Whether it can leave a member of the audience out.
    fn restricts(&self) -> bool {
        match self {
            Selector::Everyone => false,
            Selector::Members(_) => true,
            Selector::Filter(filter) => filter.restricts(),
        }
    }

    /// Whether it chooses `member` for `report` (a `Members` list is sorted,
    /// as [`SelectedRouting::resolve`] leaves it).
    #[inline]
    pub fn chooses(&self, member: &Member, report: &Report) -> bool {
        match self {
            Selector::Everyone => true,
            Selector::Members(ids) => ids.binary_search(&member.id).is_ok(),
            Selector::Filter(filter) => filter.matches(member, report),
        }
    }
}

impl MemberFilter {
    /// Whether it leaves any member out.
    fn restricts(&self) -> bool {
        *self != MemberFilter::default()
    }

    #[inline]
    fn matches(&self, member: &Member, report: &Report) -> bool {
        let same_organisation = member.organisation == report.submitter_organisation;
        let contributed = |minimum: &ContributionMinimum| {
            let c = &member.contribution;
            c.reports_90d >= minimum.reports_90d
                && c.confirmed_90d >= minimum.confirmed_90d
                && c.feedback_90d >= minimum.feedback_90d
                && c.countermeasures_90d >= minimum.countermeasures_90d
        };
        // The one-word comparisons first: most members are decided by them.
        self.submitter_organisation
            .is_none_or(|wanted| wanted == same_organisation)
            && self
                .in_community
                .is_none_or(|wanted| wanted == member.in_community)
            && accepts(&self.organisation_kinds, member.organisation_kind)
            && accepts(&self.sectors, member.sector)
            && accepts(&self.classes, member.class)
            && self.contribution.as_ref().is_none_or(contributed)
    }
}

/// The most delivery groups a routing may have.
pub const MAX_GROUPS: usize = 256;

/// `list` in its first order without repeats. Labels have no order of their
/// own, and the lists a plugin can send are bounded by its output budget.
fn dedup<T: PartialEq + Copy>(list: &mut Vec<T>) {
    let mut kept: Vec<T> = Vec::new();
    for value in list.drain(..) {
        if !kept.contains(&value) {
            kept.push(value);
        }
    }
    *list = kept;
}

/// An empty list accepts everything.
#[inline]
fn accepts<T: PartialEq>(list: &[T], value: T) -> bool {
    list.is_empty() || list.contains(&value)
}

impl SelectedRouting {
    /// The groups with their recipients chosen from `audience`: each member is
    /// in the first group whose selector chooses it, or in none. Naming a
    /// member outside the audience is refused, as in contract 0.1.
    pub fn resolve(mut self, audience: &Audience, report: &Report) -> Result<Routing, Fault> {
        // Every member is matched against the groups before its own: bounded
        // here, the host's work stays in proportion to the audience.
        if self.groups.len() > MAX_GROUPS {
            return Err(Fault::InvalidOutput(format!(
                "{} delivery groups; at most {MAX_GROUPS} are allowed",
                self.groups.len()
            )));
        }
        for group in &mut self.groups {
            group.selector.normalise();
        }
        let named = self
            .groups
            .iter()
            .any(|g| matches!(g.selector, Selector::Members(_)));
        let mut allowed: Vec<MemberId> = Vec::new();
        if named {
            allowed = audience.ids().to_vec();
            allowed.sort_unstable();
        }
        for (index, group) in self.groups.iter().enumerate() {
            if let Selector::Members(ids) = &group.selector
                && let Some(outside) = ids.iter().find(|id| allowed.binary_search(id).is_err())
            {
                return Err(Fault::InvalidOutput(format!(
                    "group {index} selects member {outside}, who is not in the audience"
                )));
            }
        }
        // Group by group, each over the members no earlier group chose: the
        // same first match as asking each member's groups in turn, with one
        // tight loop per group.
        let mut taken = Taken::new(audience.len());
        let groups = self
            .groups
            .iter()
            .map(|group| DeliveryGroup {
                recipients: taken.choose(&group.selector, audience, report),
                redactions: group.redactions.clone(),
                delay_seconds: group.delay_seconds,
            })
            .collect();
        Ok(Routing {
            groups,
            forwards: self.forwards,
        })
    }
}

/// The members of an audience that a group has chosen so far.
struct Taken {
    /// By position in the audience; empty while nobody is taken.
    marks: Vec<bool>,
    count: usize,
    /// Whether a selector that restricts nothing has taken all the rest.
    all: bool,
}

impl Taken {
    fn new(members: usize) -> Taken {
        Taken {
            marks: Vec::new(),
            count: 0,
            all: members == 0,
        }
    }

    /// The ids of the members `selector` chooses among those not yet taken,
    /// in the audience's order, now taken.
    fn choose(
        &mut self,
        selector: &Selector,
        audience: &Audience,
        report: &Report,
    ) -> Vec<MemberId> {
        if self.all {
            return Vec::new();
        }
        if !selector.restricts() {
            self.all = true;
            return self.rest(audience.ids());
        }
        let members = audience.members();
        let chosen: Vec<usize> = if self.count == 0 {
            (0..members.len())
                .filter(|&i| selector.chooses(&members[i], report))
                .collect()
        } else {
            (0..members.len())
                .filter(|&i| !self.marks[i] && selector.chooses(&members[i], report))
                .collect()
        };
        if !chosen.is_empty() {
            if self.marks.is_empty() {
                self.marks = vec![false; members.len()];
            }
            for &i in &chosen {
                self.marks[i] = true;
            }
            self.count += chosen.len();
        }
        let ids = audience.ids();
        chosen.into_iter().map(|i| ids[i]).collect()
    }

    /// Every id not taken: runs of the audience's ids between the taken ones,
    /// copied whole (usually a few members are taken and thousands are not).
    fn rest(&self, ids: &[MemberId]) -> Vec<MemberId> {
        if self.count == 0 {
            return ids.to_vec();
        }
        let mut rest = Vec::with_capacity(ids.len() - self.count);
        let mut start = 0;
        for (i, _) in self.marks.iter().enumerate().filter(|(_, taken)| **taken) {
            rest.extend_from_slice(&ids[start..i]);
            start = i + 1;
        }
        rest.extend_from_slice(&ids[start..]);
        rest
    }
}

#[cfg(test)]
#[path = "selectors_tests.rs"]
mod tests;
