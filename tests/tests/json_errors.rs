//! Every 4xx under /api/v1 and /taxii2 is a JSON body (TAXII's error resource
//! under /taxii2), naming the parameter when
//! one is wrong: bad path and query parameters, unknown paths and unsupported
//! methods included (axum alone answers those in plain text or with no body).

use isac_tests::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// (method, caller, path with query, expected status, the field named or "").
type Case = (Method, &'static str, &'static str, StatusCode, &'static str);

#[tokio::test]
async fn every_bad_url_is_answered_in_json_naming_the_parameter() {
    let server = TestServer::start().await;
    const BAD: StatusCode = StatusCode::BAD_REQUEST;
    const NONE: StatusCode = StatusCode::NOT_FOUND;
    const NOT_ALLOWED: StatusCode = StatusCode::METHOD_NOT_ALLOWED;
    let (member, committee, operator) = ("tokyo@council", "steering_committee", "operator@council");
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        (Method::GET, member, "/api/v1/inbox?limit=abc", BAD, "limit"),
        (Method::GET, member, "/api/v1/inbox?cursor=first", BAD, "cursor"),
        (Method::GET, member, "/api/v1/inbox?since=yesterday", BAD, "since"),
        (Method::GET, member, "/api/v1/inbox?colour=red", BAD, "colour"),
        (Method::GET, member, "/api/v1/inbox/stix?after=x", BAD, "after"),
        (Method::GET, member, "/api/v1/inbox/stix?limit=-1", BAD, "limit"),
        (Method::GET, member, "/api/v1/inbox/abc", BAD, "delivery"),
        (Method::GET, member, "/api/v1/cases/%FF", BAD, "id"),
        (Method::POST, member, "/api/v1/cases/%FF/notes", BAD, "id"),
        (Method::POST, member, "/api/v1/communities/%FF/reports", BAD, "id"),
        (Method::GET, committee, "/api/v1/members/abc", BAD, "id"),
        (Method::POST, committee, "/api/v1/members/abc/suspend", BAD, "id"),
        (Method::PUT, committee, "/api/v1/members/abc/class", BAD, "id"),
        (Method::POST, committee, "/api/v1/members/1e3/tokens", BAD, "id"),
        (Method::GET, operator, "/api/v1/communities/%FF/policies", BAD, "id"),
        (Method::GET, operator, "/api/v1/communities/council/policies/1/diffs?limit=many", BAD, "limit"),
        (Method::POST, "", "/api/v1/communities/%FF/applications", BAD, "id"),
        (Method::POST, member, "/api/v1/cases/%FF/feedback", BAD, "id"),
        (Method::POST, operator, "/api/v1/cases/%FF/close", BAD, "id"),
        (Method::POST, operator, "/api/v1/cases/%FF/split", BAD, "id"),
        (Method::POST, "secretariat", "/api/v1/countermeasures/%FF/publications", BAD, "id"),
        (Method::PUT, operator, "/api/v1/communities/%FF", BAD, "id"),
        (Method::GET, operator, "/api/v1/communities/%FF/quarantine", BAD, "id"),
        (Method::POST, operator, "/api/v1/communities/council/quarantine/%FF/rerun", BAD, "report"),
        (Method::GET, operator, "/api/v1/communities/%FF/trend-reports", BAD, "id"),
        (Method::GET, operator, "/api/v1/communities/council/policies/%FF", BAD, "version"),
        (Method::GET, committee, "/api/v1/communities/%FF/applications", BAD, "id"),
        (Method::POST, committee, "/api/v1/applications/%FF/approve", BAD, "id"),
        (Method::GET, member, "/taxii2/%FF/", BAD, "root"),
        (Method::GET, member, "/taxii2/council/collections/%FF/", BAD, "collection"),
        (Method::GET, member, "/api/v1/nope", NONE, ""),
        (Method::GET, member, "/api/v1/inbox/1/extra", NONE, ""),
        (Method::GET, member, "/taxii2/council/nope/", NONE, ""),
        (Method::GET, "", "/nope", NONE, ""),
        (Method::DELETE, "secretariat", "/api/v1/audit", NOT_ALLOWED, ""),
        (Method::PATCH, member, "/api/v1/inbox/1", NOT_ALLOWED, ""),
        (Method::DELETE, "", "/api/v1/communities/council/applications", NOT_ALLOWED, ""),
        (Method::POST, member, "/taxii2/", NOT_ALLOWED, ""),
    ];
    let client = reqwest::Client::new();
    let mut failures = Vec::new();
    for (method, who, path, status, field) in cases {
        let mut request = client.request(method.clone(), format!("{}{path}", server.base));
        if !who.is_empty() {
            request = request.bearer_auth(server.token(who));
        }
        let response = request.send().await.unwrap();
        let got = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body: Value =
            serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
        // TAXII's error resource (its section 3.6.1) under /taxii2, the API's elsewhere.
        let (named, json) = if path.starts_with("/taxii2") {
            (
                field.is_empty() || body["details"]["field"] == field,
                content_type == "application/taxii+json;version=2.1"
                    && body["title"].is_string()
                    && body["description"].is_string()
                    && body["http_status"] == status.as_u16().to_string(),
            )
        } else {
            (
                field.is_empty() || body["field"] == field,
                content_type == "application/json"
                    && body["error"].is_string()
                    && body["message"].is_string(),
            )
        };
        if got != status || !named || !json {
            failures.push(format!("{method} {path}: {got} {content_type} {body}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
