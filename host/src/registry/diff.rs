//! Replay diffs: a candidate's decision about a stored report against the one in
//! the decision log, read from the log's `outputs` shape (`correlation`, `groups`
//! of `recipients` with `delay_seconds` and `redacted`, `forwards`). Shadow runs,
//! which have both decisions in full, compare content instead (`content_diff`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

/// One version's decision about one report, reduced to what a diff compares.
#[derive(Debug, Clone, Default)]
pub struct Decided {
    /// The case joined, or `None` for a new case.
    joined: Option<String>,
    /// The case the report went to once decided (the new case's id), when known.
    case_id: Option<String>,
    /// Per recipient: the redaction summary of its view and its delay.
    recipients: BTreeMap<u64, (Value, Value)>,
    forwards: BTreeSet<String>,
    /// The fault that quarantined the report instead.
    fault: Option<String>,
}

impl Decided {
    /// From a decision log entry's outputs (or its fault) and the report's case.
    pub fn from_outputs(
        outputs: Option<&Value>,
        fault: Option<&str>,
        case_id: Option<&str>,
    ) -> Decided {
        let mut decided = Decided {
            case_id: case_id.map(str::to_string),
            fault: fault.map(str::to_string),
            ..Decided::default()
        };
        let Some(outputs) = outputs.filter(|_| fault.is_none()) else {
            return decided;
        };
        decided.joined = outputs["correlation"]["join"].as_str().map(str::to_string);
        for group in outputs["groups"].as_array().into_iter().flatten() {
            for member in group["recipients"].as_array().into_iter().flatten() {
                if let Some(member) = member.as_u64() {
                    let entry = (group["redacted"].clone(), group["delay_seconds"].clone());
                    decided.recipients.insert(member, entry);
                }
            }
        }
        decided.forwards = outputs["forwards"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(str::to_string))
            .collect();
        decided
    }

    /// The case as a diff shows it.
    fn case_label(&self) -> String {
        match &self.joined {
            Some(case) => format!("join {case}"),
            None => "new case".into(),
        }
    }

    /// Whether both chose the same case. A candidate run after the report was
    /// stored sees the case the active version opened for it: joining that case
    /// is the same choice as opening it.
    fn same_case(&self, candidate: &Decided) -> bool {
        match (&self.joined, &candidate.joined) {
            (a, b) if a == b => true,
            (None, Some(joined)) => self.case_id.as_ref() == Some(joined),
            _ => false,
        }
    }
}

/// What `candidate` would have decided differently from `active`: an empty object
/// when nothing differs.
pub fn diff(active: &Decided, candidate: &Decided) -> Value {
    let mut out = Map::new();
    if active.fault.is_some() || candidate.fault.is_some() {
        if active.fault != candidate.fault {
            out.insert(
                "fault".into(),
                json!({"active": active.fault, "candidate": candidate.fault}),
            );
        }
        return Value::Object(out);
    }
    if !active.same_case(candidate) {
        out.insert(
            "case".into(),
            json!({"active": active.case_label(), "candidate": candidate.case_label()}),
        );
    }
    let added: Vec<u64> = candidate
        .recipients
        .keys()
        .filter(|m| !active.recipients.contains_key(m))
        .copied()
        .collect();
    let removed: Vec<u64> = active
        .recipients
        .keys()
        .filter(|m| !candidate.recipients.contains_key(m))
        .copied()
        .collect();
    let mut redactions = Vec::new();
    let mut delays = Vec::new();
    for (member, (redacted, delay)) in &active.recipients {
        if let Some((other_redacted, other_delay)) = candidate.recipients.get(member) {
            if redacted != other_redacted {
                redactions.push(
                    json!({"member": member, "active": redacted, "candidate": other_redacted}),
                );
            }
            if delay != other_delay {
                delays.push(json!({"member": member, "active": delay, "candidate": other_delay}));
            }
        }
    }
    let forwards_added: Vec<&String> = candidate.forwards.difference(&active.forwards).collect();
    let forwards_removed: Vec<&String> = active.forwards.difference(&candidate.forwards).collect();
    for (key, list) in [
        ("recipients_added", json!(added)),
        ("recipients_removed", json!(removed)),
        ("redactions_differ", json!(redactions)),
        ("delays_differ", json!(delays)),
        ("forwards_added", json!(forwards_added)),
        ("forwards_removed", json!(forwards_removed)),
    ] {
        if list.as_array().is_some_and(|l| !l.is_empty()) {
            out.insert(key.into(), list);
        }
    }
    Value::Object(out)
}
