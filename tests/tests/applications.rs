//! Applications to join a community: anyone may file one, the answer never
//! depends on who is already a member, only the steering committee links an
//! applicant to an organisation on record, and each client address may file only
//! a few.

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn application(name: &str) -> Value {
    json!({"organisation": {"name": name, "kind": "critical_infrastructure", "sector": "financials"}})
}

async fn count(server: &TestServer, sql: &str, bind: &str) -> i64 {
    isac_host::store::scalar_i64(&server.db, sql, bind)
        .await
        .unwrap()
}

/// The shape of a JSON value: its keys and their types, not their values.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), shape(v))).collect(),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        other => other.clone(),
    }
}

#[tokio::test]
async fn filing_answers_the_same_for_a_member_and_a_new_name_and_touches_no_record() {
    let server = TestServer::start().await;
    let organisations = "SELECT COUNT(*) FROM organisations WHERE name <> $1";
    let before = count(&server, organisations, "").await;
    let members = "SELECT COUNT(*) FROM members WHERE community_id = $1";
    let financials = count(&server, members, "financials-isac").await;
    let trading = count(&server, members, "trading-isac").await;

    let member = server
        .post(
            "",
            "/communities/financials-isac/applications",
            &application("Momiji Bank"),
        )
        .await;
    let newcomer = server
        .post(
            "",
            "/communities/financials-isac/applications",
            &application("Kaede Shinkin Bank"),
        )
        .await;
    let elsewhere = server
        .post(
            "",
            "/communities/trading-isac/applications",
            &application("Sakura Bank"),
        )
        .await;
    for reply in [&member, &newcomer, &elsewhere] {
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
        assert_eq!(shape(&reply.body), shape(&newcomer.body));
        assert_eq!(reply.body["status"], "pending");
    }
    assert_ne!(
        member.body["application_id"],
        newcomer.body["application_id"]
    );
    assert_eq!(count(&server, organisations, "").await, before);
    assert_eq!(count(&server, members, "financials-isac").await, financials);
    assert_eq!(count(&server, members, "trading-isac").await, trading);
}

#[tokio::test]
async fn only_the_steering_committee_links_an_applicant_to_an_organisation_on_record() {
    let server = TestServer::start().await;
    let sakura: i64 = count(
        &server,
        "SELECT id FROM organisations WHERE name = $1",
        "Sakura Bank",
    )
    .await;
    let filed = server
        .post(
            "",
            "/communities/trading-isac/applications",
            &application("Sakura Bank"),
        )
        .await;
    let id = filed.body["application_id"].as_str().unwrap().to_string();

    let pending = server
        .get(
            "steering_committee",
            "/communities/trading-isac/applications",
        )
        .await;
    assert_eq!(pending.status, StatusCode::OK);
    let listed = &pending.body["applications"][0];
    assert_eq!(listed["id"], id.as_str());
    assert_eq!(listed["name"], "Sakura Bank");
    assert_eq!(listed["organisation_on_record"], sakura);

    let approve = format!("/applications/{id}/approve");
    let welcome = json!({"reason": "welcome"});
    for who in [
        "",
        "secretariat",
        "operator@trading-isac",
        "sakura-bank@council",
    ] {
        let status = server.post(who, &approve, &welcome).await.status;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
            "{who}: {status}"
        );
    }
    // Approval without a link never merges the applicant into the organisation of
    // the same name: the committee must say so.
    let unlinked = server.post("steering_committee", &approve, &welcome).await;
    assert_eq!(unlinked.status, StatusCode::CONFLICT, "{:?}", unlinked.body);
    assert!(
        unlinked.body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("\"organisation_id\": {sakura}")),
        "{:?}",
        unlinked.body
    );
    let linked = server
        .post(
            "steering_committee",
            &approve,
            &json!({"reason": "is Sakura Bank", "organisation_id": sakura}),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{:?}", linked.body);
    assert_eq!(linked.body["status"], "approved");
    assert_eq!(linked.body["organisation_id"], sakura);
    let member = linked.body["member_id"].as_i64().unwrap();
    let shown = server
        .get("steering_committee", &format!("/members/{member}"))
        .await;
    assert_eq!(shown.body["community"], "trading-isac");
    assert_eq!(shown.body["status"], "approved");
    assert_eq!(shown.body["organisation"]["id"], sakura);

    let again = server.post("steering_committee", &approve, &welcome).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // A new name becomes a new organisation; a refusal creates nothing.
    let new = server
        .post(
            "",
            "/communities/trading-isac/applications",
            &application("Kaede Trading"),
        )
        .await;
    let new = new.body["application_id"].as_str().unwrap();
    let approved = server
        .post(
            "steering_committee",
            &format!("/applications/{new}/approve"),
            &welcome,
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_ne!(approved.body["organisation_id"], sakura);
    let refused = server
        .post(
            "",
            "/communities/trading-isac/applications",
            &application("Spam Corp"),
        )
        .await;
    let refused = refused.body["application_id"].as_str().unwrap();
    let reply = server
        .post(
            "steering_committee",
            &format!("/applications/{refused}/refuse"),
            &json!({"reason": "unknown to us"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["status"], "refused");
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM organisations WHERE name = $1",
            "Spam Corp"
        )
        .await,
        0
    );
    let left = server
        .get("secretariat", "/communities/trading-isac/applications")
        .await;
    assert_eq!(left.body["applications"], json!([]));
}

#[tokio::test]
async fn applications_are_rate_limited_per_client_address() {
    let server = TestServer::start_with(|state| {
        state.application_limit.burst = 3;
        state.application_limit.period = std::time::Duration::from_secs(3600);
    })
    .await;
    let path = "/communities/council/applications";
    for n in 0..3 {
        let reply = server
            .post("", path, &application(&format!("Applicant {n}")))
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{n}: {:?}", reply.body);
    }
    let throttled = server.post("", path, &application("Applicant 3")).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.body["error"], "Too Many Requests");
    assert!(
        throttled.body["message"]
            .as_str()
            .unwrap()
            .starts_with("too many requests: retry in "),
        "{:?}",
        throttled.body
    );
    // Only filing is limited: everything else still answers.
    assert_eq!(
        server.get("tokyo@council", "/communities").await.status,
        StatusCode::OK
    );
    assert_eq!(
        server
            .get("steering_committee", "/communities/council/applications")
            .await
            .body["applications"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}
