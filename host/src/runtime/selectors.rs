//! Contract 0.2's selectors: a delivery group names its recipients by what
//! they are (every member, these members, or a filter over their attributes),
//! and the host chooses them from the audience itself. The audience is never
//! copied into the plugin unless it asks for it, so a decision costs the same
//! for a community of ten members as for one of ten thousand.

use std::ops::Range;

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

    #[inline(always)]
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

/// The members of an audience that a group has chosen so far, by position.
struct Taken {
    /// Sorted. Usually a few members are taken before a group takes all the
    /// rest, so the members left are long runs between them.
    positions: Vec<usize>,
    /// Whether a selector that restricts nothing has taken all the rest.
    all: bool,
}

impl Taken {
    fn new(members: usize) -> Taken {
        Taken {
            positions: Vec::new(),
            all: members == 0,
        }
    }

    /// The runs of positions not taken, in order, among `len`.
    fn runs(&self, len: usize) -> impl Iterator<Item = Range<usize>> + '_ {
        let ends = self.positions.iter().copied().chain(std::iter::once(len));
        let starts = std::iter::once(0).chain(self.positions.iter().map(|p| p + 1));
        starts
            .zip(ends)
            .filter(|(start, end)| start < end)
            .map(|(s, e)| s..e)
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
        let (members, ids) = (audience.members(), audience.ids());
        // One loop per kind of selector, so the comparison is inlined into it.
        let chosen = match selector {
            Selector::Everyone => {
                self.all = true;
                let mut rest = Vec::with_capacity(ids.len() - self.positions.len());
                for run in self.runs(ids.len()) {
                    rest.extend_from_slice(&ids[run]);
                }
                return rest;
            }
            Selector::Members(named) => {
                self.pick(members, |member| named.binary_search(&member.id).is_ok())
            }
            Selector::Filter(filter) if !filter.restricts() => {
                return self.choose(&Selector::Everyone, audience, report);
            }
            Selector::Filter(filter) => self.pick(members, |member| filter.matches(member, report)),
        };
        let recipients = chosen.iter().map(|&p| ids[p]).collect();
        self.positions = merged_positions(&self.positions, &chosen);
        recipients
    }

    /// The positions of the members not yet taken that `chooses`, in order.
    fn pick(&self, members: &[Member], chooses: impl Fn(&Member) -> bool) -> Vec<usize> {
        let mut chosen = Vec::new();
        for run in self.runs(members.len()) {
            let start = run.start;
            for (offset, member) in members[run].iter().enumerate() {
                if chooses(member) {
                    chosen.push(start + offset);
                }
            }
        }
        chosen
    }
}

/// Two sorted lists of distinct positions as one.
fn merged_positions(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] < b[j] {
            merged.push(a[i]);
            i += 1;
        } else {
            merged.push(b[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&a[i..]);
    merged.extend_from_slice(&b[j..]);
    merged
}

#[cfg(test)]
#[path = "selectors_tests.rs"]
mod tests;
