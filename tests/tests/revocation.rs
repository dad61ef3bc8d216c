//! Revocation reaches open streams: a member suspended or expelled has its
//! inbox streams ended within a second, a delivery held back by a delay never
//! reaches it while it is not approved, and every event a stream sends is in
//! the audit chain with its view ids.

use std::collections::BTreeSet;
use std::time::Duration;

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::time::Instant;

/// What the issue asks: revocation ends a member's streams within a second.
const REVOCATION_BOUND: Duration = Duration::from_secs(1);

fn report(title: &str, domain: &str) -> Value {
    json!({"title": title, "tlp": "green", "confidence": "confirmed",
           "indicators": [{"kind": "domain", "value": domain}]})
}

async fn submit(server: &TestServer, who: &str, title: &str, domain: &str) -> String {
    let reply = server
        .post(who, "/communities/council/reports", &report(title, domain))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["report_id"].as_str().unwrap().to_string()
}

async fn open_stream(server: &TestServer, who: &str) -> reqwest::Response {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/inbox/stream", server.base))
        .bearer_auth(server.token(who))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response
}

/// Reads the stream until it ends (`Ok`, with all it sent) or `deadline`
/// passes with it still open (`Err`, with what it sent so far).
async fn read_to_end(stream: &mut reqwest::Response, deadline: Instant) -> Result<String, String> {
    let mut text = String::new();
    loop {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(Ok(None)) => return Ok(text),
            Ok(Err(error)) => panic!("the stream failed instead of ending: {error}"),
            Err(_) => return Err(text),
        }
    }
}

/// Reads the stream until it has sent `report`; the ids of the events read.
async fn read_until(stream: &mut reqwest::Response, report: &str, seen: &mut String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains(report) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

fn event_ids(text: &str) -> BTreeSet<i64> {
    text.lines()
        .filter_map(|line| line.strip_prefix("id:"))
        .map(|id| id.trim().parse().unwrap())
        .collect()
}

/// `step` (suspend, expel...) applied to `who` by the steering committee.
async fn change(server: &TestServer, who: &str, step: &str) {
    let member = server.member_id(who).await;
    let reply = server
        .post(
            "steering_committee",
            &format!("/members/{member}/{step}"),
            &json!({"reason": "breach of confidentiality"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{step}: {:?}", reply.body);
}

async fn a_stream_ends_within_a_second_of(step: &str) {
    let server = TestServer::start().await;
    let who = "kanto-power@council";
    let mut stream = open_stream(&server, who).await;
    // The stream is serving: it has sent a new delivery.
    let id = submit(&server, "tokyo@council", "Before", "before.example").await;
    read_until(&mut stream, &id, &mut String::new()).await;

    change(&server, who, step).await;
    let changed = Instant::now();
    let ended = read_to_end(&mut stream, changed + Duration::from_secs(5)).await;
    let waited = changed.elapsed();
    assert!(ended.is_ok(), "the stream is still open 5 s after {step}");
    assert!(
        waited < REVOCATION_BOUND,
        "the stream ended {waited:?} after {step}"
    );
}

#[tokio::test]
async fn a_suspended_members_stream_ends_within_a_second() {
    a_stream_ends_within_a_second_of("suspend").await;
}

#[tokio::test]
async fn an_expelled_members_stream_ends_within_a_second() {
    a_stream_ends_within_a_second_of("expel").await;
}

/// The Council under give-and-take: members who contributed nothing (such as
/// Example Security) receive an hour late.
async fn delaying_free_riders(server: &TestServer) {
    let policy = json!({"plugin": "give-and-take", "settings": {"free_rider_delay_hours": 1}});
    let staged = server
        .post("operator@council", "/communities/council/policies", &policy)
        .await;
    assert_eq!(staged.status, StatusCode::CREATED, "{:?}", staged.body);
    let version = &staged.body["id"];
    for (who, step) in [
        ("steering_committee", "approve"),
        ("operator@council", "activate"),
    ] {
        let path = format!("/communities/council/policies/{version}/{step}");
        let reply = server.post(who, &path, &json!({})).await;
        assert_eq!(reply.status, StatusCode::OK, "{step}: {:?}", reply.body);
    }
}

/// The view of `report` delivered to `who`.
async fn delivery_of(server: &TestServer, who: &str, report: &str) -> i64 {
    let member = server.member_id(who).await;
    let mine = isac_host::store::inbox::views_after(&server.db, member, 0, usize::MAX)
        .await
        .unwrap();
    let views: Vec<i64> = sqlx::query_scalar("SELECT id FROM views WHERE report_id = $1")
        .bind(report)
        .fetch_all(&server.db)
        .await
        .unwrap();
    *views
        .iter()
        .find(|id| mine.contains(id))
        .expect("a delivery to the member")
}

/// The view ids of every `views.read` entry `who` has in the audit chain for `object`.
async fn audited_reads(server: &TestServer, who: &str, object: &str) -> Vec<BTreeSet<i64>> {
    let actor = format!("member:{}", server.member_id(who).await);
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE actor = $1 AND action = 'views.read' AND object = $2 ORDER BY seq",
    )
    .bind(actor)
    .bind(object)
    .fetch_all(&server.db)
    .await
    .unwrap();
    details
        .iter()
        .map(|detail| serde_json::from_str(detail).unwrap())
        .collect()
}

/// Makes the held-back views of `report` due now (an hour passes for them).
async fn delay_runs_out(server: &TestServer, report: &str) {
    sqlx::query("UPDATE views SET available_at = available_at - 3600 WHERE report_id = $1")
        .bind(report)
        .execute(&server.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_delayed_delivery_never_reaches_a_member_while_it_is_suspended() {
    let server = TestServer::start().await;
    delaying_free_riders(&server).await;
    let who = "example-security@council";
    let mut stream = open_stream(&server, who).await;
    let report = submit(&server, "tokyo@council", "Held back", "held.example").await;
    let view = delivery_of(&server, who, &report).await;
    let path = format!("/inbox/{view}");
    assert_eq!(
        server.get(who, &path).await.status,
        StatusCode::NOT_FOUND,
        "not due yet"
    );

    change(&server, who, "suspend").await;
    delay_runs_out(&server, &report).await;
    // The stream ends rather than send what fell due.
    let sent = read_to_end(&mut stream, Instant::now() + Duration::from_secs(3))
        .await
        .expect("the stream ends after the suspension");
    assert!(
        !sent.contains(&report),
        "sent to a suspended member: {sent}"
    );
    assert!(audited_reads(&server, who, "inbox/stream").await.is_empty());
    // Nor does any other read show it: the member's token allows nothing.
    let inbox = server
        .get("tokyo@council", "/taxii2/council/collections/")
        .await;
    let collection = inbox.body["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["can_read"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for read in [
        "/inbox".to_string(),
        path.clone(),
        "/inbox/stix".into(),
        "/cases".into(),
        format!("/taxii2/council/collections/{collection}/objects/"),
    ] {
        let reply = server.get(who, &read).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{read}: {:?}",
            reply.body
        );
    }
    let refused = reqwest::Client::new()
        .get(format!("{}/api/v1/inbox/stream", server.base))
        .bearer_auth(server.token(who))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Approved again, the member may receive it: the rule is about the moment of sending.
    change(&server, who, "reinstate").await;
    let reply = server.get(who, &path).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["report_id"], json!(report));
}

#[tokio::test]
async fn a_stream_audit_logs_the_views_of_each_event_before_sending_it() {
    let server = TestServer::start().await;
    let who = "example-security@council";
    let mut stream = open_stream(&server, who).await;
    let mut seen = String::new();
    for n in 0..3 {
        let report = submit(
            &server,
            "tokyo@council",
            &format!("Live {n}"),
            &format!("live-{n}.example"),
        )
        .await;
        read_until(&mut stream, &report, &mut seen).await;
        // Audit-logged before it was sent: the entry is there as soon as the event arrives.
        let view = delivery_of(&server, who, &report).await;
        let audited = audited_reads(&server, who, "inbox/stream").await;
        assert!(
            audited.iter().any(|views| views.contains(&view)),
            "view {view} sent but not audit-logged: {audited:?}"
        );
    }
    let sent = event_ids(&seen);
    assert_eq!(sent.len(), 3, "{seen}");
    let audited: BTreeSet<i64> = audited_reads(&server, who, "inbox/stream")
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(audited, sent);
    let chain = isac_host::store::verify_audit(&server.db).await.unwrap();
    assert!(chain.is_ok(), "{chain:?}");
}
