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

#[tokio::test]
async fn a_wrong_token_is_told_apart_from_a_missing_one() {
    let server = TestServer::start().await;
    let missing = server.send(Method::GET, None, "/inbox", None).await;
    let wrong = server
        .send(Method::GET, Some("not-a-token"), "/inbox", None)
        .await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.body["message"],
        "authentication required: send `Authorization: Bearer <token>`"
    );
    assert_eq!(
        wrong.body["message"],
        "this token is not valid: unknown, revoked, or its member is no longer approved"
    );
    let challenge = reqwest::Client::new()
        .get(format!("{}/api/v1/inbox", server.base))
        .bearer_auth("not-a-token")
        .send()
        .await
        .expect("the server answers");
    let challenges = isac_tests::header_values(&challenge, "www-authenticate");
    assert_eq!(
        challenges,
        [
            r#"Bearer realm="isac-host", error="invalid_token""#,
            r#"Basic realm="isac-host""#
        ]
    );
}

#[tokio::test]
async fn a_community_that_does_not_exist_is_not_found_for_every_role() {
    let server = TestServer::start().await;
    let stage = serde_json::json!({"plugin": "0".repeat(64), "settings": {}});
    for who in [
        "operator@council",
        "steering_committee",
        "secretariat",
        "tokyo@council",
    ] {
        let staged = server
            .post(who, "/communities/no-such-isac/policies", &stage)
            .await;
        assert_eq!(
            staged.status,
            StatusCode::NOT_FOUND,
            "{who}: {:?}",
            staged.body
        );
        let reported = server
            .post(who, "/communities/no-such-isac/reports", &stage)
            .await;
        assert_eq!(
            reported.status,
            StatusCode::NOT_FOUND,
            "{who}: {:?}",
            reported.body
        );
    }
    // A community that exists but is not the caller's stays 403.
    let other = server
        .post("operator@council", "/communities/ict-isac/policies", &stage)
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_errors_quote_it() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/inbox?limit=abc", server.base);
    let response = client
        .get(&url)
        .bearer_auth(server.token("tokyo@council"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["request_id"], id.as_str());
    assert_eq!(body["field"], "limit");

    // A proxy's id is kept; one that could garble a log line is replaced.
    for (sent, kept) in [
        ("edge-7f3a.42", true),
        ("bad id\twith tab", false),
        (&*"x".repeat(65), false),
    ] {
        let response = client
            .get(&url)
            .bearer_auth(server.token("tokyo@council"))
            .header("x-request-id", sent)
            .send()
            .await
            .unwrap();
        let answered = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(answered == sent, kept, "{sent:?} answered as {answered:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["request_id"], answered.as_str());
    }
    let fine = client
        .get(format!("{}/api/v1/inbox", server.base))
        .bearer_auth(server.token("tokyo@council"))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), StatusCode::OK);
    assert!(fine.headers().contains_key("x-request-id"));
}
