//! A server's refusal as a person reads it: the message first, then the rest of
//! the JSON body as YAML, whose block scalars print text as text (a fixture
//! report's newlines are line breaks, not `\n`).

use serde_json::Value;

/// The refusal body, rendered: `field: message` first, then every other key but
/// `error`, which repeats the status.
pub fn render(body: &Value) -> String {
    let Value::Object(fields) = body else {
        return plain(body);
    };
    let mut out = String::new();
    if let Some(field) = fields.get("field").and_then(Value::as_str) {
        out.push_str(&format!("{field}: "));
    }
    if let Some(message) = fields.get("message") {
        out.push_str(&plain(message).replace('\n', "\n  "));
    }
    let rest: serde_json::Map<String, Value> = fields
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "error" | "message" | "field"))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if !rest.is_empty() {
        let yaml = serde_norway::to_string(&rest).unwrap_or_else(|e| e.to_string());
        out.push('\n');
        out.push_str(yaml.trim_end());
    }
    out
}

/// A string as its text, anything else as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_refusal_reads_as_text_with_its_details_below() {
        let body = json!({
            "error": "Unprocessable Entity",
            "field": "fixtures",
            "message": "red.yaml: routing differs\nexpected 2 groups, got 1",
            "fixtures": [{"name": "red.yaml", "detail": "one\ntwo"}],
        });
        assert_eq!(
            render(&body),
            "fixtures: red.yaml: routing differs\n  expected 2 groups, got 1\n\
             fixtures:\n- detail: |-\n    one\n    two\n  name: red.yaml"
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_printed_as_it_came() {
        assert_eq!(render(&json!("Bad Gateway")), "Bad Gateway");
    }
}
