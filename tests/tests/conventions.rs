//! One convention per kind of value in every JSON answer: times are RFC 3339
//! strings (never Unix integers), as views and fixtures have them; enum values
//! are snake_case words (TLP's `amber+strict` is spelled as FIRST spells it).

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Keys that hold a time.
fn is_time_key(key: &str) -> bool {
    key == "at" || key == "since" || key == "from" || key == "to" || key.ends_with("_at")
}

/// Every time in `value` that is not an RFC 3339 string, as `path = value`.
fn wrong_times(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, inner) in fields {
                let here = format!("{path}.{key}");
                let rfc3339 = inner.as_str().is_some_and(|text| {
                    time::OffsetDateTime::parse(
                        text,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .is_ok()
                });
                if is_time_key(key) && !inner.is_null() && !rfc3339 {
                    found.push(format!("{here} = {inner}"));
                }
                wrong_times(inner, &here, found);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                wrong_times(item, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_time_in_every_answer_is_rfc3339() {
    let server = TestServer::start().await;
    let body = json!({"title": "Times", "body": "x", "tlp": "green", "confidence": "confirmed",
        "indicators": [{"kind": "domain", "value": "times.example"}]});
    let sent = server
        .post("sakura-bank@council", "/communities/council/reports", &body)
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let tokyo = server.member_id("tokyo@council").await;
    let reads = [
        ("tokyo@council", "/inbox".to_string()),
        ("tokyo@council", "/cases".to_string()),
        ("tokyo@council", format!("/members/{tokyo}")),
        ("sakura-bank@council", "/reports".to_string()),
        (
            "operator@council",
            "/communities/council/trend-reports".to_string(),
        ),
        (
            "tokyo@council",
            format!("/cases/{}", sent.body["case_id"].as_str().unwrap()),
        ),
        ("secretariat", "/audit".to_string()),
        ("secretariat", "/statistics?community=council".to_string()),
        (
            "operator@council",
            "/communities/council/policies".to_string(),
        ),
        (
            "operator@council",
            "/communities/council/decisions".to_string(),
        ),
        (
            "operator@council",
            "/communities/council/quarantine".to_string(),
        ),
        (
            "operator@council",
            "/communities/council/members".to_string(),
        ),
        (
            "steering_committee",
            "/communities/council/applications".to_string(),
        ),
        ("", "/public/publications".to_string()),
    ];
    let mut found = Vec::new();
    for (who, path) in &reads {
        let reply = server.get(who, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {:?}", reply.body);
        wrong_times(&reply.body, path, &mut found);
    }
    assert!(found.is_empty(), "{found:#?}");
    // And the document says so.
    let document = server.get("", "/openapi.json").await.body;
    let mut integers = Vec::new();
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        for (key, property) in schema["properties"].as_object().into_iter().flatten() {
            let kind = &property["type"];
            let integer = kind == "integer"
                || kind
                    .as_array()
                    .is_some_and(|k| k.contains(&json!("integer")));
            // `Rollback.to` is a version number, not a time.
            if is_time_key(key) && integer && (name.as_str(), key.as_str()) != ("Rollback", "to") {
                integers.push(format!("{name}.{key}"));
            }
        }
    }
    assert!(integers.is_empty(), "{integers:?}");
}
