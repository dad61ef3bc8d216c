//! Text a plugin produced while deciding a report (log lines, stdout and stderr,
//! refusal and panic messages, fingerprints, new-case titles, shadow diffs) may
//! hold anything the report holds, so it carries the report's TLP. Operators, the
//! secretariat and the steering committee are not members: they read such text
//! only where anyone in the community could read the report, TLP:CLEAR and
//! TLP:GREEN. AMBER is need-to-know, AMBER+STRICT and RED have named readers, so
//! there they see `{"withheld": "TLP:AMBER", "length": N}` instead.

use serde_json::{Value, json};

use crate::model::{self, Tlp};

/// Whether an operator may read plugin text produced while deciding a report at `tlp`.
pub fn readable(tlp: Tlp) -> bool {
    tlp <= Tlp::Green
}

/// `TLP:RED`, `TLP:AMBER+STRICT`...
fn label(tlp: Tlp) -> String {
    format!("TLP:{}", model::label_name(&tlp).to_uppercase())
}

/// The note shown instead of `length` bytes of withheld text.
fn note(tlp: Tlp, length: usize) -> Value {
    json!({"withheld": label(tlp), "length": length})
}

/// One piece of plugin text as an operator may see it.
pub fn text(tlp: Tlp, text: &str) -> Value {
    if readable(tlp) {
        Value::String(text.to_string())
    } else {
        note(tlp, text.len())
    }
}

/// Every string inside `value` (keys excepted) as an operator may see it.
pub fn strings(tlp: Tlp, value: Value) -> Value {
    if readable(tlp) {
        return value;
    }
    match value {
        Value::String(s) => note(tlp, s.len()),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| strings(tlp, v)).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, strings(tlp, v))).collect())
        }
        other => other,
    }
}

/// The phrases a stored fault starts with that the host wrote itself (see
/// `runtime::Fault`, and a shadow run's timeout), longest first; what follows
/// them may be plugin text.
const HOST_PHRASES: &[&str] = &[
    "returned an invalid answer",
    "exceeded its deadline",
    "did not decide within",
    "tried to grow its memory",
    "overflowed its stack",
    "returned ",
    "panicked",
    "trapped",
    "refused",
];

/// A stored fault (`runtime::Fault`, or `PluginError` with its "plugin X failed in
/// STAGE: " prefix) as an operator may see it: withheld past its host phrase, so
/// the operator still tells a refusal from a deadline.
pub fn fault(tlp: Tlp, fault: &str) -> Value {
    if readable(tlp) {
        return Value::String(fault.to_string());
    }
    let plain = fault
        .split_once(" failed in ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map_or(fault, |(_, rest)| rest);
    let kind = HOST_PHRASES
        .iter()
        .find(|phrase| plain.starts_with(*phrase))
        .map(|phrase| phrase.trim_end());
    let mut shown = note(tlp, fault.len());
    if let Some(kind) = kind {
        shown["kind"] = json!(kind);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Fault;
    use std::time::Duration;

    #[test]
    fn green_is_shown_amber_and_above_withheld() {
        assert_eq!(
            text(Tlp::Green, "password=Hunter2"),
            json!("password=Hunter2")
        );
        assert_eq!(text(Tlp::Clear, "x"), json!("x"));
        assert_eq!(
            text(Tlp::Red, "password=Hunter2"),
            json!({"withheld": "TLP:RED", "length": 16})
        );
        assert_eq!(
            text(Tlp::AmberStrict, "ab"),
            json!({"withheld": "TLP:AMBER+STRICT", "length": 2})
        );
        assert_eq!(
            strings(Tlp::Amber, json!({"a": ["xy", 3], "b": {"c": "z"}})),
            json!({"a": [{"withheld": "TLP:AMBER", "length": 2}, 3],
                   "b": {"c": {"withheld": "TLP:AMBER", "length": 1}}})
        );
    }

    #[test]
    fn faults_keep_only_the_host_phrase() {
        let cases = [
            (Fault::Refused("password=Hunter2".into()), Some("refused")),
            (Fault::Panic("Hunter2".into()), Some("panicked")),
            (Fault::Trap("Hunter2".into()), Some("trapped")),
            (
                Fault::InvalidOutput("joins \"Hunter2\"".into()),
                Some("returned an invalid answer"),
            ),
            (
                Fault::Deadline(Duration::from_millis(5)),
                Some("exceeded its deadline"),
            ),
            (Fault::StackOverflow, Some("overflowed its stack")),
            (
                Fault::OutputTooLarge { size: 2, limit: 1 },
                Some("returned"),
            ),
        ];
        for (fault, kind) in cases {
            let stored = format!("plugin abc failed in route: {fault}");
            let shown = super::fault(Tlp::Red, &stored);
            assert_eq!(shown["kind"].as_str(), kind, "{stored}");
            assert_eq!(shown["length"], stored.len());
            assert!(!shown.to_string().contains("Hunter2"), "{shown}");
            assert_eq!(
                super::fault(Tlp::Amber, &fault.to_string())["kind"].as_str(),
                kind
            );
        }
        assert_eq!(super::fault(Tlp::Green, "refused: x"), json!("refused: x"));
    }
}
