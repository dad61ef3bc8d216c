//! What two decisions about the same report would show, compared byte for byte:
//! per member the view's fields, indicators, TLP and delay, per target community
//! the forwarded copy. A diff names which member would see which extra text, so
//! a version that unmasks a victim while keeping its mask count, or forwards an
//! unsanitised copy, shows up. Used by shadow runs (active against shadow) and by
//! the fixture gate (a fixture's expectation against the staged settings).
//!
//! The diff quotes report content: whoever serves it applies `plugin_text`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{Correlation, Indicator, Report, Routing, Tlp};
use crate::pipeline::{Outcome, Plan};
use crate::view::{self, MASK, View, WITHHELD_TITLE};

/// What one recipient (or one target community) can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// `None` when withheld (dropped or absent).
    title: Option<String>,
    body: Option<String>,
    victim: Option<String>,
    tags: Vec<String>,
    indicators: Vec<Indicator>,
    tlp: Tlp,
}

impl Content {
    fn of_view(view: &View) -> Content {
        let dropped_title = view
            .redacted
            .dropped_fields
            .contains(&crate::model::ReportField::Title);
        Content {
            title: (!dropped_title).then(|| view.title.clone()),
            body: view.body.clone(),
            victim: view.victim.clone(),
            tags: view.tags.clone().unwrap_or_default(),
            indicators: view.indicators.clone(),
            tlp: view.tlp,
        }
    }

    /// A forwarded copy as the target community receives it.
    fn of_forward(copy: &Report) -> Content {
        Content {
            title: Some(copy.title.clone()).filter(|t| t != WITHHELD_TITLE),
            body: Some(copy.body.clone()).filter(|b| !b.is_empty()),
            victim: copy.victim.clone(),
            tags: copy.tags.clone(),
            indicators: copy.indicators.clone(),
            tlp: copy.tlp,
        }
    }
}

/// One decision, reduced to what each reader would read.
#[derive(Debug, Clone)]
pub enum Seen {
    Decided {
        /// The case joined, or `None` for a new one.
        joined: Option<String>,
        members: BTreeMap<u64, (Content, u32)>,
        forwards: BTreeMap<String, Content>,
    },
    /// The fault (or host error) that stopped the decision.
    Faulted(String),
}

impl Seen {
    pub fn of_plan(plan: &Plan) -> Seen {
        match &plan.outcome {
            Outcome::Quarantined { .. } => Seen::Faulted(
                plan.decision
                    .fault
                    .clone()
                    .unwrap_or_else(|| "quarantined".into()),
            ),
            Outcome::Delivered {
                correlation,
                groups,
                forwards,
                ..
            } => {
                let mut members = BTreeMap::new();
                for group in groups {
                    let content = Content::of_view(&group.view);
                    for member in &group.recipients {
                        members.insert(*member, (content.clone(), group.delay_seconds));
                    }
                }
                Seen::Decided {
                    joined: joined(correlation),
                    members,
                    forwards: forwards
                        .iter()
                        .map(|f| (f.report.community.clone(), Content::of_forward(&f.report)))
                        .collect(),
                }
            }
        }
    }

    /// A plugin's routing of `report`, the host applying its redactions.
    ///
    /// # Errors
    /// A redaction that does not fit the report (the guardrail of `view::apply`).
    pub fn of_routing(
        report: &Report,
        correlation: &Correlation,
        routing: &Routing,
    ) -> Result<Seen, view::RedactionError> {
        let mut members = BTreeMap::new();
        for group in &routing.groups {
            let content = Content::of_view(&view::apply(report, &group.redactions)?);
            for member in &group.recipients {
                members.insert(*member, (content.clone(), group.delay_seconds));
            }
        }
        let mut forwards = BTreeMap::new();
        for forward in &routing.forwards {
            let copy = view::apply(report, &forward.redactions)?;
            forwards.insert(forward.community.clone(), Content::of_view(&copy));
        }
        Ok(Seen::Decided {
            joined: joined(correlation),
            members,
            forwards,
        })
    }
}

fn joined(correlation: &Correlation) -> Option<String> {
    match correlation {
        Correlation::Join(case) => Some(case.clone()),
        Correlation::NewCase(_) => None,
    }
}

/// Two values that differ: the first decision's and the second's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair<T> {
    pub active: T,
    pub candidate: T,
}

/// Text one side shows that the other does not: runs of visible characters,
/// whole tags and indicators.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Shown {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub title: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub victim: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
}

impl Shown {
    pub fn is_empty(&self) -> bool {
        *self == Shown::default()
    }

    /// What `b` shows beyond `a` (`a` of `None`: a reader who gets nothing).
    fn beyond(a: Option<&Content>, b: &Content) -> Shown {
        let text = |f: fn(&Content) -> Option<&str>| extra_runs(a.and_then(f), f(b));
        Shown {
            title: text(|c| c.title.as_deref()),
            body: text(|c| c.body.as_deref()),
            victim: text(|c| c.victim.as_deref()),
            tags: b
                .tags
                .iter()
                .filter(|t| a.is_none_or(|a| !a.tags.contains(t)))
                .cloned()
                .collect(),
            indicators: b
                .indicators
                .iter()
                .filter(|i| a.is_none_or(|a| !a.indicators.contains(i)))
                .cloned()
                .collect(),
        }
    }
}

/// How one reader's content differs between the two decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What the candidate shows that the active decision does not.
    #[serde(skip_serializing_if = "Shown::is_empty")]
    pub extra: Shown,
    /// What the active decision shows that the candidate does not.
    #[serde(skip_serializing_if = "Shown::is_empty")]
    pub less: Shown,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlp: Option<Pair<Tlp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_seconds: Option<Pair<u32>>,
}

impl Change {
    fn between(a: Option<(&Content, u32)>, b: Option<(&Content, u32)>) -> Option<Change> {
        let (ac, bc) = (a.map(|a| a.0), b.map(|b| b.0));
        let change = Change {
            extra: bc.map(|b| Shown::beyond(ac, b)).unwrap_or_default(),
            less: ac.map(|a| Shown::beyond(bc, a)).unwrap_or_default(),
            tlp: match (ac, bc) {
                (Some(a), Some(b)) if a.tlp != b.tlp => Some(Pair {
                    active: a.tlp,
                    candidate: b.tlp,
                }),
                _ => None,
            },
            delay_seconds: match (a, b) {
                (Some((_, a)), Some((_, b))) if a != b => Some(Pair {
                    active: a,
                    candidate: b,
                }),
                _ => None,
            },
        };
        let same = change.extra.is_empty()
            && change.less.is_empty()
            && change.tlp.is_none()
            && change.delay_seconds.is_none();
        (!same).then_some(change)
    }

    /// Whether the candidate shows more, sooner or under a weaker label.
    fn widens(&self) -> bool {
        !self.extra.is_empty()
            || self.tlp.as_ref().is_some_and(|t| t.candidate < t.active)
            || self
                .delay_seconds
                .as_ref()
                .is_some_and(|d| d.candidate < d.active)
    }
}

/// Members whose views change the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MembersChange {
    pub members: Vec<u64>,
    #[serde(flatten)]
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForwardChange {
    pub community: String,
    #[serde(flatten)]
    pub change: Change,
}

/// Everything the candidate decides differently; serialises to `{}` when nothing does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Pair<Option<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<Pair<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients_added: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients_removed: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub views_differ: Vec<MembersChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forwards_added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forwards_removed: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forwards_differ: Vec<ForwardChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        *self == Diff::default()
    }

    /// Whether the candidate lets anyone read more than the active decision does:
    /// a new recipient or target, extra text, a weaker TLP or an earlier delivery.
    pub fn widens(&self) -> bool {
        !self.recipients_added.is_empty()
            || !self.forwards_added.is_empty()
            || self.views_differ.iter().any(|m| m.change.widens())
            || self.forwards_differ.iter().any(|f| f.change.widens())
    }
}

fn case_label(joined: &Option<String>) -> String {
    match joined {
        Some(case) => format!("join {case}"),
        None => "new case".into(),
    }
}

/// What `candidate` would have let each reader see differently from `active`.
pub fn diff(active: &Seen, candidate: &Seen) -> Diff {
    let (
        Seen::Decided {
            joined: a_case,
            members: a_members,
            forwards: a_forwards,
        },
        Seen::Decided {
            joined: b_case,
            members: b_members,
            forwards: b_forwards,
        },
    ) = (active, candidate)
    else {
        let fault = |seen: &Seen| match seen {
            Seen::Faulted(fault) => Some(fault.clone()),
            Seen::Decided { .. } => None,
        };
        let (a, b) = (fault(active), fault(candidate));
        return Diff {
            fault: (a != b).then_some(Pair {
                active: a,
                candidate: b,
            }),
            ..Diff::default()
        };
    };
    let mut diff = Diff {
        case: (a_case != b_case).then(|| Pair {
            active: case_label(a_case),
            candidate: case_label(b_case),
        }),
        recipients_added: b_members
            .keys()
            .filter(|m| !a_members.contains_key(m))
            .copied()
            .collect(),
        recipients_removed: a_members
            .keys()
            .filter(|m| !b_members.contains_key(m))
            .copied()
            .collect(),
        forwards_added: b_forwards
            .keys()
            .filter(|c| !a_forwards.contains_key(*c))
            .cloned()
            .collect(),
        forwards_removed: a_forwards
            .keys()
            .filter(|c| !b_forwards.contains_key(*c))
            .cloned()
            .collect(),
        ..Diff::default()
    };
    // Members who change the same way are listed together: a routing change that
    // touches the whole community is one entry, not one per member.
    let mut by_change: BTreeMap<String, (Change, Vec<u64>)> = BTreeMap::new();
    let everyone: BTreeSet<u64> = a_members.keys().chain(b_members.keys()).copied().collect();
    for member in everyone {
        let a = a_members.get(&member).map(|(c, d)| (c, *d));
        let b = b_members.get(&member).map(|(c, d)| (c, *d));
        if let Some(change) = Change::between(a, b) {
            let key = serde_json::to_string(&change).unwrap_or_default();
            by_change
                .entry(key)
                .or_insert_with(|| (change, Vec::new()))
                .1
                .push(member);
        }
    }
    diff.views_differ = by_change
        .into_values()
        .map(|(change, members)| MembersChange { members, change })
        .collect();
    let communities: BTreeSet<&String> = a_forwards.keys().chain(b_forwards.keys()).collect();
    for community in communities {
        let (a, b) = (a_forwards.get(community), b_forwards.get(community));
        if let Some(change) = Change::between(a.map(|c| (c, 0)), b.map(|c| (c, 0))) {
            diff.forwards_differ.push(ForwardChange {
                community: community.clone(),
                change,
            });
        }
    }
    diff
}

/// Runs of characters `b` shows (not masked) where `a` shows nothing: `a` absent,
/// masked there, or of another length (then nothing of `a` lines up with `b`).
fn extra_runs(a: Option<&str>, b: Option<&str>) -> Vec<String> {
    let Some(b) = b else { return Vec::new() };
    let a: Option<Vec<char>> = a
        .map(|a| a.chars().collect::<Vec<_>>())
        .filter(|a| a.len() == b.chars().count());
    let mut runs = Vec::new();
    let mut run = String::new();
    for (i, c) in b.chars().enumerate() {
        let shown_by_a = a.as_ref().is_some_and(|a| a[i] != MASK);
        if c != MASK && !shown_by_a {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(body: &str, tlp: Tlp) -> Content {
        Content {
            title: Some("T".into()),
            body: Some(body.into()),
            victim: None,
            tags: Vec::new(),
            indicators: Vec::new(),
            tlp,
        }
    }

    fn seen(members: &[(u64, &str, Tlp, u32)], forward: Option<&str>) -> Seen {
        Seen::Decided {
            joined: None,
            members: members
                .iter()
                .map(|(m, body, tlp, delay)| (*m, (content(body, *tlp), *delay)))
                .collect(),
            forwards: forward
                .map(|body| ("council".to_string(), content(body, Tlp::Green)))
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn only_showing_more_sooner_or_under_a_weaker_label_widens() {
        let active = seen(
            &[(1, "a██", Tlp::Amber, 60), (2, "a██", Tlp::Amber, 0)],
            Some("x█"),
        );
        let cases = [
            (
                seen(
                    &[(1, "a██", Tlp::Amber, 60), (2, "a██", Tlp::Amber, 0)],
                    Some("x█"),
                ),
                false,
                true,
            ),
            (
                seen(
                    &[(1, "abc", Tlp::Amber, 60), (2, "a██", Tlp::Amber, 0)],
                    Some("x█"),
                ),
                true,
                false,
            ),
            (
                seen(
                    &[(1, "a██", Tlp::Green, 60), (2, "a██", Tlp::Amber, 0)],
                    Some("x█"),
                ),
                true,
                false,
            ),
            (
                seen(
                    &[(1, "a██", Tlp::Amber, 0), (2, "a██", Tlp::Amber, 0)],
                    Some("x█"),
                ),
                true,
                false,
            ),
            (
                seen(
                    &[(1, "a██", Tlp::Amber, 60), (2, "a██", Tlp::Amber, 0)],
                    Some("xy"),
                ),
                true,
                false,
            ),
            (
                seen(
                    &[
                        (1, "a██", Tlp::Amber, 60),
                        (2, "a██", Tlp::Amber, 0),
                        (3, "█", Tlp::Amber, 0),
                    ],
                    Some("x█"),
                ),
                true,
                false,
            ),
            (seen(&[(1, "███", Tlp::Red, 90)], None), false, false),
        ];
        for (candidate, widens, empty) in cases {
            let d = diff(&active, &candidate);
            assert_eq!((d.widens(), d.is_empty()), (widens, empty), "{d:?}");
        }
        let d = diff(
            &active,
            &seen(
                &[(1, "abc", Tlp::Amber, 60), (2, "abc", Tlp::Amber, 0)],
                None,
            ),
        );
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({"views_differ": [{"members": [1, 2], "extra": {"body": ["bc"]}}],
                "forwards_removed": ["council"],
                "forwards_differ": [{"community": "council", "less": {"title": ["T"], "body": ["x"]}}]})
        );
    }

    #[test]
    fn extra_runs_are_the_characters_unmasked_in_b_only() {
        assert_eq!(
            extra_runs(Some("pw=███████ at █"), Some("pw=Hunter2 at █")),
            vec!["Hunter2"]
        );
        assert_eq!(extra_runs(Some("abc"), Some("abc")), Vec::<String>::new());
        assert_eq!(extra_runs(None, Some("a█c")), vec!["a", "c"]);
        assert_eq!(extra_runs(Some("abc"), None), Vec::<String>::new());
        assert_eq!(extra_runs(Some("ab"), Some("xyz")), vec!["xyz"]);
    }
}
