//! What the host enforces on a plugin's routing, whatever the plugin says
//! (`docs/architecture.md`, section 5): views are built by the host from redaction
//! operations, the submitter's organisation sees its own report, a report's
//! views are bounded in number, and forwards carry at most TLP:GREEN, once per
//! community, never back along the provenance chain.

use std::collections::{BTreeSet, HashSet};

use super::audience::{self, Candidates};
use super::plan::{PlannedGroup, Policy};
use crate::model::{Correlation, Report, Tlp};
use crate::runtime::Decision;
use crate::runtime::selectors::Selector;
use crate::runtime::{Fault, PluginError, Stage};
use crate::view::{self, View};

/// Forwards chain at most this deep, whatever provenance says.
const MAX_FORWARD_DEPTH: usize = 8;

/// A forward is a recipient sharing further: under TLP 2.0 that is allowed up to
/// GREEN. AMBER, AMBER+STRICT and RED stay in the community the source chose.
const MAX_FORWARD_TLP: Tlp = Tlp::Green;

/// Distinct views one report may be stored as. Each is a full copy of the report,
/// so without a bound a plugin could write thousands of copies of a large report.
pub const MAX_VIEWS: usize = 64;

/// The plugin's decision after the host's guardrails.
pub(super) struct Decided {
    pub fingerprints: Vec<String>,
    pub correlation: Correlation,
    pub groups: Vec<PlannedGroup>,
    pub forwards: Vec<(String, Report)>,
    pub notes: Vec<String>,
    pub selectors: Vec<Selector>,
}

/// Applies the guardrails to the plugin's answer for `report`. A plugin that
/// answers what no guardrail can repair (an invalid redaction, too many views)
/// faults, and the report is quarantined.
pub(super) fn apply(
    policy: &Policy,
    report: &Report,
    candidates: &Candidates,
    raw: Decision,
) -> Result<Decided, PluginError> {
    let invalid = |message: String| PluginError {
        digest: policy.plugin.digest(),
        stage: Stage::Route,
        fault: Fault::InvalidOutput(message),
    };
    let mut notes = Vec::new();
    let mut groups = views(report, &raw).map_err(invalid)?;
    let placed: HashSet<u64> = groups
        .iter()
        .flat_map(|g| g.recipients.iter().copied())
        .collect();
    let missing: Vec<u64> = audience::own_organisation(report, candidates)
        .into_iter()
        .filter(|m| !placed.contains(m))
        .collect();
    if !missing.is_empty() {
        notes.push(format!(
            "added the submitter's organisation ({} member(s)) with the original",
            missing.len()
        ));
        let original = view::apply(report, &[]).map_err(|e| invalid(e.to_string()))?;
        groups.push(PlannedGroup {
            view: original,
            recipients: missing,
            delay_seconds: 0,
        });
    }
    let forwards = forwards(report, &raw, &mut notes).map_err(invalid)?;
    Ok(Decided {
        fingerprints: raw.fingerprints,
        correlation: raw.correlation,
        groups,
        forwards,
        notes,
        selectors: raw.selectors,
    })
}

/// One group per distinct view and delay: groups with no recipients are left
/// out, and groups that would store the same view at the same time are merged,
/// so a report is stored at most [`MAX_VIEWS`] times.
fn views(report: &Report, raw: &Decision) -> Result<Vec<PlannedGroup>, String> {
    let mut groups: Vec<PlannedGroup> = Vec::new();
    for group in raw
        .routing
        .groups
        .iter()
        .filter(|g| !g.recipients.is_empty())
    {
        let view = view::apply(report, &group.redactions).map_err(|e| e.to_string())?;
        let same = groups
            .iter()
            .position(|g| g.delay_seconds == group.delay_seconds && g.view == view);
        match same {
            Some(index) => groups[index].recipients.extend(&group.recipients),
            None if groups.len() == MAX_VIEWS => {
                return Err(format!(
                    "routes the report as more than {MAX_VIEWS} distinct views"
                ));
            }
            None => groups.push(PlannedGroup {
                view,
                recipients: group.recipients.clone(),
                delay_seconds: group.delay_seconds,
            }),
        }
    }
    Ok(groups)
}

/// The forwarded copies, each a report for its target community, after dropping
/// (with a note saying why) every forward the guardrails refuse.
fn forwards(
    report: &Report,
    raw: &Decision,
    notes: &mut Vec<String>,
) -> Result<Vec<(String, Report)>, String> {
    let mut targets = BTreeSet::new();
    let mut forwards = Vec::new();
    for forward in &raw.routing.forwards {
        let target = &forward.community;
        let refusal = if report.tlp > MAX_FORWARD_TLP {
            Some(format!("TLP {:?} never leaves its community", report.tlp))
        } else if report.provenance.contains(target) || *target == report.community {
            Some("it is on the provenance chain".to_string())
        } else if report.provenance.len() >= MAX_FORWARD_DEPTH {
            Some("forward chain too deep".to_string())
        } else if !targets.insert(target.clone()) {
            Some("the report is forwarded there once".to_string())
        } else {
            None
        };
        if let Some(why) = refusal {
            notes.push(format!("dropped the forward to {target}: {why}"));
            continue;
        }
        let copy = view::apply(report, &forward.redactions).map_err(|e| e.to_string())?;
        if copy.tlp > MAX_FORWARD_TLP {
            notes.push(format!(
                "dropped the forward to {target}: its copy is marked {:?}, which never leaves its community",
                copy.tlp
            ));
            continue;
        }
        forwards.push((target.clone(), forwarded_report(report, &copy, target)));
    }
    Ok(forwards)
}

/// The report a target community receives: the sanitised view, with provenance.
fn forwarded_report(original: &Report, view: &View, target: &str) -> Report {
    let mut provenance = original.provenance.clone();
    provenance.push(original.community.clone());
    Report {
        id: crate::store::new_report_id(original.submitted_at),
        community: target.to_string(),
        submitter: original.submitter,
        submitter_organisation: original.submitter_organisation,
        submitter_kind: original.submitter_kind,
        submitter_sector: original.submitter_sector,
        submitted_at: original.submitted_at,
        title: view.title.clone(),
        body: view.body.clone().unwrap_or_default(),
        tlp: view.tlp,
        confidence: view.confidence,
        indicators: view.indicators.clone(),
        tags: view.tags.clone().unwrap_or_default(),
        victim: view.victim.clone(),
        // RED is never forwarded, so named recipients never travel.
        named_recipients: Vec::new(),
        provenance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeliveryGroup, Forward, Routing};

    fn report(tlp: &str) -> Report {
        serde_json::from_value(serde_json::json!({
            "id": "r", "community": "financials-isac", "submitter": 1, "submitter_organisation": 1,
            "submitted_at": "2026-01-01T00:00:00Z", "title": "Wire fraud", "tlp": tlp,
            "confidence": "confirmed", "indicators": [{"kind": "domain", "value": "a.example"}]
        }))
        .expect("valid report")
    }

    fn raw(groups: Vec<DeliveryGroup>, forwards: Vec<Forward>) -> Decision {
        Decision {
            fingerprints: Vec::new(),
            correlation: Correlation::NewCase("case".into()),
            routing: Routing { groups, forwards },
            selectors: Vec::new(),
        }
    }

    fn group(recipients: Vec<u64>, delay_seconds: u32) -> DeliveryGroup {
        DeliveryGroup {
            recipients,
            redactions: Vec::new(),
            delay_seconds,
        }
    }

    fn forward(community: &str, redactions: Vec<crate::model::Redaction>) -> Forward {
        Forward {
            community: community.into(),
            redactions,
        }
    }

    #[test]
    fn empty_groups_go_and_identical_views_at_the_same_time_merge() {
        let routed = raw(
            vec![
                group(vec![], 0),
                group(vec![1], 0),
                group(vec![2], 0),
                group(vec![3], 60),
            ],
            vec![],
        );
        let groups = views(&report("green"), &routed).unwrap();
        let shape: Vec<(Vec<u64>, u32)> = groups
            .into_iter()
            .map(|g| (g.recipients, g.delay_seconds))
            .collect();
        assert_eq!(shape, [(vec![1, 2], 0), (vec![3], 60)]);
    }

    #[test]
    fn more_distinct_views_than_the_cap_is_a_fault() {
        let at_cap: Vec<_> = (0..MAX_VIEWS as u64)
            .map(|m| group(vec![m], m as u32))
            .collect();
        assert_eq!(
            views(&report("green"), &raw(at_cap.clone(), vec![]))
                .unwrap()
                .len(),
            MAX_VIEWS
        );
        let mut over = at_cap;
        over.push(group(vec![999], 999));
        let error = views(&report("green"), &raw(over, vec![])).err().unwrap();
        assert_eq!(error, "routes the report as more than 64 distinct views");
    }

    #[test]
    fn forwards_carry_at_most_green_once_per_community() {
        let raise = vec![crate::model::Redaction::RaiseTlp(Tlp::Amber)];
        let routed = raw(
            vec![],
            vec![
                forward("council", vec![]),
                forward("council", vec![]),
                forward("ict-isac", raise),
            ],
        );
        let mut notes = Vec::new();
        let sent = forwards(&report("green"), &routed, &mut notes).unwrap();
        let targets: Vec<&str> = sent.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(targets, ["council"]);
        assert_eq!(sent[0].1.provenance, ["financials-isac"]);
        assert_eq!(notes.len(), 2, "{notes:?}");
        for tlp in ["amber", "amber+strict", "red"] {
            let mut notes = Vec::new();
            let routed = raw(vec![], vec![forward("council", vec![])]);
            assert!(
                forwards(&report(tlp), &routed, &mut notes)
                    .unwrap()
                    .is_empty(),
                "{tlp}"
            );
            assert_eq!(notes.len(), 1, "{tlp}");
        }
    }
}
