//! Checks on what a plugin answers, before the host acts on it: size, and that
//! every reference points at something real. A plugin may narrow, never widen.

use super::Fault;
use super::selectors::{SelectedRouting, Selector};
use crate::intake::MAX_TITLE;
use crate::model::{
    CaseSummary, Correlation, DeliveryGroup, Forward, Member, MemberId, Redaction, Report, Routing,
};

/// The longest delay a plugin may set: beyond it a delivery is as good as lost.
pub const MAX_DELAY_SECONDS: u32 = 30 * 24 * 3600;

/// Bytes charged per list item on top of its strings, roughly its in-memory size.
const ITEM_BYTES: usize = 16;

fn within(size: usize, limit: usize) -> Result<(), Fault> {
    if size > limit {
        return Err(Fault::OutputTooLarge { size, limit });
    }
    Ok(())
}

fn invalid(message: String) -> Fault {
    Fault::InvalidOutput(message)
}

/// A string the host stores as it is (a fingerprint, a title, a community id):
/// PostgreSQL text cannot hold NUL, so one is refused here, on every backend,
/// before it can fail a transaction and lose the report.
fn storable(what: &str, text: &str) -> Result<(), Fault> {
    if text.contains('\0') {
        return Err(invalid(format!("{what} contains a NUL byte")));
    }
    Ok(())
}

/// The longest refusal, panic or trap message kept: a message is for an
/// operator to read, not a payload to store.
pub const MAX_MESSAGE_BYTES: usize = 4 << 10;

/// A plugin's refusal, panic or trap message as kept: cut on a character
/// boundary at [`MAX_MESSAGE_BYTES`] with a note of what was cut, NUL escaped.
pub fn message(mut text: String) -> String {
    if text.len() > MAX_MESSAGE_BYTES {
        let cut = text.floor_char_boundary(MAX_MESSAGE_BYTES);
        let dropped = text.len() - cut;
        text.truncate(cut);
        text.push_str(&format!(" [{dropped} more bytes dropped]"));
    }
    escape_nul(text)
}

/// Plugin text the host keeps only to show (log lines, stdout, stderr, refusal
/// and panic messages): NUL written out as `\0`, so it stores on every backend.
pub fn escape_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\\0")
    } else {
        text
    }
}

pub fn check_fingerprints(keys: &[String], limit: usize) -> Result<(), Fault> {
    within(keys.iter().map(|k| k.len() + ITEM_BYTES).sum(), limit)?;
    for (index, key) in keys.iter().enumerate() {
        if key.trim().is_empty() {
            return Err(invalid(format!("fingerprint {index} is empty")));
        }
        storable(&format!("fingerprint {index}"), key)?;
    }
    Ok(())
}

pub fn check_correlation(
    correlation: &Correlation,
    candidates: &[CaseSummary],
    limit: usize,
) -> Result<(), Fault> {
    match correlation {
        Correlation::Join(id) => {
            within(id.len(), limit)?;
            if !candidates.iter().any(|c| c.id == *id) {
                return Err(invalid(format!(
                    "joins case {id:?}, which is not one of the candidates"
                )));
            }
        }
        Correlation::NewCase(title) => {
            within(title.len(), limit)?;
            if title.trim().is_empty() {
                return Err(invalid("opens a new case with an empty title".into()));
            }
            // Characters, as a report's title is counted: a case opened from a
            // Japanese report's whole title must fit.
            let characters = title.chars().count();
            if characters > MAX_TITLE {
                return Err(invalid(format!(
                    "opens a new case with a title of {characters} characters, past the {MAX_TITLE} a report's title may have"
                )));
            }
            storable("the new case's title", title)?;
        }
    }
    Ok(())
}

fn redactions_size(ops: &[Redaction]) -> usize {
    ops.len() * ITEM_BYTES
}

fn forwards_size(forwards: &[Forward]) -> usize {
    forwards
        .iter()
        .map(|f| ITEM_BYTES + f.community.len() + redactions_size(&f.redactions))
        .sum()
}

pub fn check_routing(
    routing: &Routing,
    report: &Report,
    audience: &[Member],
    limit: usize,
) -> Result<(), Fault> {
    let groups: usize = routing
        .groups
        .iter()
        .map(|g| ITEM_BYTES + g.recipients.len() * 8 + redactions_size(&g.redactions))
        .sum();
    within(groups + forwards_size(&routing.forwards), limit)?;
    check_recipients_and_views(routing, report, audience)
}

/// A contract 0.2 routing: its size as the plugin answered it (a selector of
/// the whole audience is a few bytes, however many members it chooses), then
/// the groups with their recipients chosen, checked as any routing; groups
/// that chose nobody are left out.
pub fn check_selected(
    selected: SelectedRouting,
    report: &Report,
    audience: &super::Audience,
    limit: usize,
) -> Result<Routing, Fault> {
    let groups: usize = selected
        .groups
        .iter()
        .map(|g| ITEM_BYTES + selector_size(&g.selector) + redactions_size(&g.redactions))
        .sum();
    within(groups + forwards_size(&selected.forwards), limit)?;
    let mut routing = selected.resolve(audience, report)?;
    check_views(&routing, report)?;
    routing.groups = merged(routing.groups);
    Ok(routing)
}

/// One group per distinct view and delay, those that chose nobody left out:
/// several selectors often give the same view (contract 0.1 plugins grouped
/// their members that way themselves).
fn merged(groups: Vec<DeliveryGroup>) -> Vec<DeliveryGroup> {
    let mut merged: Vec<DeliveryGroup> = Vec::new();
    for group in groups.into_iter().filter(|g| !g.recipients.is_empty()) {
        let same = merged
            .iter_mut()
            .find(|m| m.delay_seconds == group.delay_seconds && m.redactions == group.redactions);
        match same {
            Some(existing) => existing.recipients.extend(group.recipients),
            None => merged.push(group),
        }
    }
    merged
}

fn selector_size(selector: &Selector) -> usize {
    match selector {
        Selector::Everyone => 0,
        Selector::Members(ids) => ids.len() * 8,
        Selector::Filter(f) => {
            f.organisation_kinds.len() + f.sectors.len() + f.classes.len() + ITEM_BYTES
        }
    }
}

/// Every recipient in the audience and in one group only (a contract 0.1
/// plugin names them one by one), then what every routing must respect.
fn check_recipients_and_views(
    routing: &Routing,
    report: &Report,
    audience: &[Member],
) -> Result<(), Fault> {
    // Sorting instead of hashing: this runs on every report, for every recipient.
    let mut allowed: Vec<MemberId> = audience.iter().map(|m| m.id).collect();
    allowed.sort_unstable();
    let mut placed: Vec<(MemberId, usize)> = Vec::new();
    for (index, group) in routing.groups.iter().enumerate() {
        for &member in &group.recipients {
            if allowed.binary_search(&member).is_err() {
                return Err(invalid(format!(
                    "group {index} delivers to member {member}, who is not in the audience"
                )));
            }
            placed.push((member, index));
        }
    }
    placed.sort_unstable();
    if let Some(pair) = placed.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        let (member, first, second) = (pair[0].0, pair[0].1, pair[1].1);
        return Err(invalid(format!(
            "member {member} is in groups {first} and {second}; a member gets one view"
        )));
    }
    check_views(routing, report)
}

/// Delays within bounds, redactions that fit the report, forwards to another
/// community. Recipients chosen by the host from selectors need no more:
/// each is in the audience and in one group by construction.
fn check_views(routing: &Routing, report: &Report) -> Result<(), Fault> {
    for (index, group) in routing.groups.iter().enumerate() {
        if group.delay_seconds > MAX_DELAY_SECONDS {
            return Err(invalid(format!(
                "group {index} delays delivery by {} s, more than the {MAX_DELAY_SECONDS} s allowed",
                group.delay_seconds
            )));
        }
        for op in &group.redactions {
            crate::view::check(op, report).map_err(|e| invalid(format!("group {index}: {e}")))?;
        }
    }
    for (index, forward) in routing.forwards.iter().enumerate() {
        storable(&format!("forward {index}'s target"), &forward.community)?;
        if forward.community.trim().is_empty() || forward.community == report.community {
            return Err(invalid(format!(
                "forward {index} targets {:?}; a forward must name another community",
                forward.community
            )));
        }
        for op in &forward.redactions {
            crate::view::check(op, report).map_err(|e| invalid(format!("forward {index}: {e}")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeliveryGroup, Forward};

    fn report() -> Report {
        serde_json::from_value(serde_json::json!({
            "id": "r", "community": "council", "submitter": 1, "submitter_organisation": 1,
            "submitted_at": "2026-01-01T00:00:00Z", "title": "Tokyo 東京", "tlp": "amber",
            "confidence": "confirmed", "indicators": [{"kind": "domain", "value": "a.example"}]
        }))
        .expect("valid report")
    }

    fn audience() -> Vec<Member> {
        serde_json::from_value(serde_json::json!([
            {"id": 1, "organisation": 1, "organisation_kind": "other", "sector": "other"},
            {"id": 2, "organisation": 2, "organisation_kind": "other", "sector": "other"}
        ]))
        .expect("valid audience")
    }

    fn group(
        recipients: Vec<MemberId>,
        redactions: Vec<Redaction>,
        delay_seconds: u32,
    ) -> DeliveryGroup {
        DeliveryGroup {
            recipients,
            redactions,
            delay_seconds,
        }
    }

    fn check(groups: Vec<DeliveryGroup>, forwards: Vec<Forward>) -> Result<(), Fault> {
        check_routing(
            &Routing { groups, forwards },
            &report(),
            &audience(),
            1 << 20,
        )
    }

    #[test]
    fn a_plugin_can_narrow_but_not_widen() {
        assert_eq!(check(vec![group(vec![2], vec![], 0)], vec![]), Ok(()));
        assert_eq!(
            check(vec![group(vec![3], vec![], 0)], vec![]),
            Err(invalid(
                "group 0 delivers to member 3, who is not in the audience".into()
            ))
        );
        assert_eq!(
            check(
                vec![group(vec![1], vec![], 0), group(vec![1], vec![], 60)],
                vec![]
            ),
            Err(invalid(
                "member 1 is in groups 0 and 1; a member gets one view".into()
            ))
        );
        assert!(check(vec![group(vec![1], vec![], MAX_DELAY_SECONDS + 1)], vec![]).is_err());
        let home = Forward {
            community: "council".into(),
            redactions: vec![],
        };
        assert!(check(vec![], vec![home]).is_err());
    }

    #[test]
    fn answers_past_the_cap_are_too_large() {
        let keys = vec!["k".repeat(100); 20];
        assert_eq!(
            check_fingerprints(&keys, 1000),
            Err(Fault::OutputTooLarge {
                size: 2320,
                limit: 1000
            })
        );
        assert_eq!(check_fingerprints(&keys, 4000), Ok(()));
    }

    #[test]
    fn nul_is_refused_in_stored_strings_and_escaped_in_shown_ones() {
        assert_eq!(
            check_fingerprints(&["domain:a\0b".into()], 1000),
            Err(invalid("fingerprint 0 contains a NUL byte".into()))
        );
        assert!(check_correlation(&Correlation::NewCase("t\0".into()), &[], 1000).is_err());
        let forward = Forward {
            community: "j-auto\0".into(),
            redactions: vec![],
        };
        assert_eq!(
            check(vec![], vec![forward]),
            Err(invalid("forward 0's target contains a NUL byte".into()))
        );
        assert_eq!(escape_nul("a\0b".into()), "a\\0b");
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        assert_eq!(message("short\0".into()), "short\\0");
        let long = format!("{}東京", "x".repeat(MAX_MESSAGE_BYTES - 1));
        assert_eq!(
            message(long),
            format!(
                "{} [6 more bytes dropped]",
                "x".repeat(MAX_MESSAGE_BYTES - 1)
            )
        );
    }

    #[test]
    fn a_new_case_title_is_capped_like_a_report_title() {
        let title = |n| Correlation::NewCase("件".repeat(n));
        assert_eq!(check_correlation(&title(MAX_TITLE), &[], 1 << 20), Ok(()));
        assert_eq!(
            check_correlation(&title(MAX_TITLE + 1), &[], 1 << 20),
            Err(invalid(
                "opens a new case with a title of 301 characters, past the 300 a report's title may have".into()
            ))
        );
    }
}
