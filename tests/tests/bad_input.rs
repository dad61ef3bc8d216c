//! Bad input to report submission: each a 4xx with a JSON error naming the field,
//! and nothing stored.

use isac_tests::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn stored_reports(server: &TestServer) -> i64 {
    isac_host::store::scalar_i64(
        &server.db,
        "SELECT COUNT(*) FROM reports WHERE community_id = $1",
        "council",
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn every_bad_submission_is_refused_naming_the_field() {
    let server = TestServer::start().await;
    let good = json!({"title": "t", "tlp": "green", "confidence": "confirmed"});
    let with = |key: &str, value: serde_json::Value| {
        let mut body = good.clone();
        body[key] = value;
        body.to_string().into_bytes()
    };
    let json_type = "application/json";
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "malformed JSON",
            json_type,
            b"{\"title\": \"t\",".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
        ),
        (
            "unknown TLP",
            json_type,
            with("tlp", json!("orange")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "tlp",
        ),
        (
            "unknown confidence",
            json_type,
            with("confidence", json!("certain")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "confidence",
        ),
        (
            "unknown field",
            json_type,
            with("sharing", json!("everyone")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "sharing",
        ),
        (
            "empty title",
            json_type,
            with("title", json!("  ")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "title",
        ),
        (
            "bad IPv4",
            json_type,
            with(
                "indicators",
                json!([{"kind": "ipv4", "value": "300.1.2.3"}]),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "indicators[0].value",
        ),
        (
            "bad domain",
            json_type,
            with(
                "indicators",
                json!([{"kind": "domain", "value": "a.example"}, {"kind": "domain", "value": "-bad-.example"}]),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "indicators[1].value",
        ),
        (
            "bad SHA-256",
            json_type,
            with("indicators", json!([{"kind": "sha256", "value": "abc"}])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "indicators[0].value",
        ),
        (
            "bad CVE",
            json_type,
            with("indicators", json!([{"kind": "cve", "value": "CVE-24-1"}])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "indicators[0].value",
        ),
        (
            "bad e-mail",
            json_type,
            with(
                "indicators",
                json!([{"kind": "email", "value": "no-at-sign"}]),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "indicators[0].value",
        ),
        (
            "unknown indicator kind",
            json_type,
            with("indicators", json!([{"kind": "hostname", "value": "x"}])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "indicators[0].kind",
        ),
        (
            "RED without recipients",
            json_type,
            with("tlp", json!("red")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "named_recipients",
        ),
        (
            "unknown named recipient",
            json_type,
            {
                let mut body = good.clone();
                body["tlp"] = json!("red");
                body["named_recipients"] = json!([987654]);
                body.to_string().into_bytes()
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "named_recipients[0]",
        ),
        (
            "oversized body",
            json_type,
            with("body", json!("x".repeat(2 << 20))),
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
        (
            "wrong content type",
            "text/plain",
            good.to_string().into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "",
        ),
    ];
    let token = server.token("tokyo@council").to_string();
    let mut failures = Vec::new();
    for (name, content_type, body, status, field) in cases {
        let reply = server
            .send(
                Method::POST,
                Some(&token),
                "/communities/council/reports",
                Some((content_type, body)),
            )
            .await;
        let named = field.is_empty() || reply.body["field"] == field;
        if reply.status != status || !named || !reply.body["message"].is_string() {
            failures.push(format!("{name}: {} {}", reply.status, reply.body));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(stored_reports(&server).await, 0, "nothing stored");
}
