//! Every endpoint × every role, with the expected status; then the classic
//! sharing-platform bypasses.

use isac_tests::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Callers, by demo token name ("" = anonymous; a made-up token for the refused
/// applicant, who never gets one).
const ROLES: [(&str, &str); 12] = [
    ("anonymous", ""),
    (
        "refused applicant",
        "isac_0000000000000000000000000000000000000000000000000000000000000000",
    ),
    ("suspended member", "kanto-power@council"),
    ("expelled member", "nippon-rail@transportation-isac"),
    ("member of another community", "example-motors@j-auto-isac"),
    ("member", "tokyo@council"),
    ("task force class 1", "nisc@council"),
    ("task force class 2", "example-university@council"),
    ("operator of another community", "operator@ict-isac"),
    ("operator", "operator@council"),
    ("steering committee", "steering_committee"),
    ("secretariat", "secretariat"),
];

fn report(tlp: &str, domain: &str) -> Value {
    json!({"title": format!("{tlp} report"), "tlp": tlp, "confidence": "confirmed", "indicators": [{"kind": "domain", "value": domain}]})
}

/// A STIX bundle with one importable indicator.
fn stix_bundle() -> Value {
    json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": [
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000001",
         "pattern": "[domain-name:value = 'stix.example']", "pattern_type": "stix", "confidence": 80,
         "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}]})
}

struct World {
    server: TestServer,
    tokyo: i64,
    /// Pending applications: one the matrix approves, one it refuses.
    applicant: String,
    pending: String,
    case: String,
    tokyo_delivery: i64,
    /// A general assembly session, open, and its one item.
    session: String,
    item: String,
    /// Requests for information sent to Tokyo: one the matrix declines, one it answers.
    to_decline: String,
    to_answer: String,
}

/// The next hour, from now, as a session's times or a due date.
fn next_hour() -> (String, String) {
    let now = isac_host::store::now();
    let time = isac_host::model::unix_time::to_rfc3339;
    (time(now), time(now + 3600))
}

fn session_body() -> Value {
    let (opens_at, closes_at) = next_hour();
    json!({"title": "Assembly", "opens_at": opens_at, "closes_at": closes_at,
           "items": [{"title": "An amendment", "kind": "rule_amendment"}]})
}

fn request_body(tokyo: i64) -> Value {
    json!({"title": "Information, please", "body": "What did you see?",
           "due_at": next_hour().1, "to": {"members": [tokyo]}})
}

/// Sends `body` as the secretariat to `path` and returns the new object's id.
async fn created(server: &TestServer, path: &str, body: &Value) -> (String, Value) {
    let reply = server.post("secretariat", path, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    (reply.body["id"].as_str().unwrap().to_string(), reply.body)
}

/// Files an application anonymously and returns its id.
async fn apply(server: &TestServer, name: &str) -> String {
    let apply = json!({"organisation": {"name": name, "kind": "other", "sector": "other"}});
    let filed = server
        .post("", "/communities/council/applications", &apply)
        .await;
    assert_eq!(filed.status, StatusCode::ACCEPTED, "{:?}", filed.body);
    filed.body["application_id"].as_str().unwrap().to_string()
}

async fn world() -> World {
    // The matrix files an application per role: room for all of them.
    let server = TestServer::start_with(|state| state.application_limit.burst = 100).await;
    let kanto = server.member_id("kanto-power@council").await;
    let rail = server.member_id("nippon-rail@transportation-isac").await;
    let reason = json!({"reason": "test"});
    assert_eq!(
        server
            .post(
                "steering_committee",
                &format!("/members/{kanto}/suspend"),
                &reason
            )
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        server
            .post(
                "steering_committee",
                &format!("/members/{rail}/expel"),
                &reason
            )
            .await
            .status,
        StatusCode::OK
    );
    let refused = apply(&server, "Refused Co").await;
    assert_eq!(
        server
            .post(
                "steering_committee",
                &format!("/applications/{refused}/refuse"),
                &reason
            )
            .await
            .status,
        StatusCode::OK
    );
    let applicant = apply(&server, "Applicant Co").await;
    let pending = apply(&server, "Pending Co").await;

    let sent = server
        .post(
            "sakura-bank@council",
            "/communities/council/reports",
            &report("amber", "authz.example"),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED);
    let case = sent.body["case_id"].as_str().unwrap().to_string();
    // A view only Tokyo received: a RED report naming it, on another indicator.
    let tokyo = server.member_id("tokyo@council").await;
    let mut red = report("red", "tokyo-only.example");
    red["named_recipients"] = json!([tokyo]);
    let private = server
        .post("sakura-bank@council", "/communities/council/reports", &red)
        .await;
    let inbox = server.get("tokyo@council", "/inbox").await;
    let tokyo_delivery = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["report_id"] == private.body["report_id"])
        .unwrap()["delivery_id"]
        .as_i64()
        .unwrap();
    let (session, convened) =
        created(&server, "/communities/council/assemblies", &session_body()).await;
    let item = convened["items"][0]["id"].as_str().unwrap().to_string();
    let requests = "/communities/council/requests";
    let (to_decline, _) = created(&server, requests, &request_body(tokyo)).await;
    let (to_answer, _) = created(&server, requests, &request_body(tokyo)).await;
    World {
        server,
        tokyo,
        applicant,
        pending,
        case,
        tokyo_delivery,
        session,
        item,
        to_decline,
        to_answer,
    }
}

#[tokio::test]
async fn every_endpoint_for_every_role() {
    let w = world().await;
    let baseline = std::fs::read(isac_plugin_artifacts::BASELINE).unwrap();
    let (t, c, d) = (w.tokyo, &w.case, w.tokyo_delivery);
    let (a, p) = (&w.applicant, &w.pending);
    let (s, i) = (&w.session, &w.item);
    let (rd, ra) = (&w.to_decline, &w.to_answer);
    use StatusCode as S;
    const U: S = S::UNAUTHORIZED;
    const F: S = S::FORBIDDEN;
    const N: S = S::NOT_FOUND;
    const O: S = S::OK;
    const C: S = S::CREATED;
    const A: S = S::ACCEPTED;
    // Allowed, but refused as the request stands (the Council needs an approval;
    // there is no earlier version to roll back to).
    const X: S = S::CONFLICT;
    // Columns follow ROLES.
    let table: Vec<(Method, String, Option<Value>, [S; 12])> = vec![
        (
            Method::POST,
            "/communities/council/reports".into(),
            Some(report("green", "x.example")),
            [U, U, F, U, F, C, C, C, F, F, F, F],
        ),
        (
            Method::GET,
            "/inbox".into(),
            None,
            [U, U, F, U, O, O, O, O, F, F, F, F],
        ),
        (
            Method::GET,
            "/inbox/stream".into(),
            None,
            [U, U, F, U, O, O, O, O, F, F, F, F],
        ),
        (
            Method::GET,
            "/inbox/stix".into(),
            None,
            [U, U, F, U, O, O, O, O, F, F, F, F],
        ),
        (
            Method::POST,
            "/communities/council/stix".into(),
            Some(stix_bundle()),
            [U, U, F, U, F, C, C, C, F, F, F, F],
        ),
        (
            Method::GET,
            "/taxii2/council/collections/".into(),
            None,
            [U, U, F, U, N, O, O, O, F, F, F, F],
        ),
        (
            Method::GET,
            format!("/inbox/{d}"),
            None,
            [U, U, F, U, N, O, N, N, F, F, F, F],
        ),
        (
            Method::GET,
            "/cases".into(),
            None,
            [U, U, F, U, O, O, O, O, F, F, F, F],
        ),
        (
            Method::GET,
            format!("/cases/{c}"),
            None,
            [U, U, F, U, N, O, O, O, F, F, F, F],
        ),
        (
            Method::GET,
            "/communities".into(),
            None,
            [U, U, F, U, O, O, O, O, O, O, O, O],
        ),
        (
            Method::PUT,
            "/communities/council".into(),
            Some(json!({"settings": {"window_days": 14}})),
            [U, U, F, U, F, F, F, F, F, X, F, X],
        ),
        (
            Method::GET,
            "/communities/council/policies".into(),
            None,
            [U, U, F, U, F, F, F, F, F, O, O, O],
        ),
        (
            Method::POST,
            "/communities/council/policies/rollback".into(),
            Some(json!({})),
            [U, U, F, U, F, F, F, F, F, X, F, X],
        ),
        (
            Method::POST,
            "/communities/council/policies/1/approve".into(),
            Some(json!({})),
            [U, U, F, U, F, F, F, F, F, F, X, F],
        ),
        (
            Method::GET,
            "/communities/council/quarantine".into(),
            None,
            [U, U, F, U, F, F, F, F, F, O, F, O],
        ),
        (
            Method::GET,
            "/communities/council/decisions".into(),
            None,
            [U, U, F, U, F, F, F, F, F, O, F, O],
        ),
        (
            Method::GET,
            format!("/members/{t}"),
            None,
            [U, U, F, U, N, O, N, N, N, O, O, O],
        ),
        (
            Method::PUT,
            format!("/members/{t}/class"),
            Some(json!({"class": "general", "reason": "r"})),
            // 404 to those who may not see the member, as for an id that does not exist.
            [U, U, F, U, N, F, N, N, N, O, O, O],
        ),
        (
            Method::POST,
            format!("/members/{t}/tokens"),
            Some(json!({})),
            [U, U, F, U, F, F, F, F, F, F, C, C],
        ),
        (
            Method::POST,
            "/communities/council/applications".into(),
            Some(
                json!({"organisation": {"name": "Matrix Co", "kind": "other", "sector": "other"}}),
            ),
            // Anyone may apply, whatever token it sends.
            [A; 12],
        ),
        (
            Method::GET,
            "/communities/council/applications".into(),
            None,
            [U, U, F, U, F, F, F, F, F, F, O, O],
        ),
        (
            Method::POST,
            format!("/applications/{a}/approve"),
            Some(json!({"reason": "welcome"})),
            [U, U, F, U, F, F, F, F, F, F, O, F],
        ),
        (
            Method::POST,
            format!("/applications/{p}/refuse"),
            Some(json!({"reason": "not eligible"})),
            [U, U, F, U, F, F, F, F, F, F, O, F],
        ),
        (
            Method::PUT,
            "/communities/council/policies/approvals".into(),
            // The Council's current number: no lowering, so the secretariat may too.
            Some(json!({"required": 1})),
            [U, U, F, U, F, F, F, F, F, F, O, O],
        ),
        (
            Method::GET,
            "/statistics".into(),
            None,
            [U, U, F, U, F, O, O, O, F, O, O, O],
        ),
        (
            Method::GET,
            "/contribution".into(),
            None,
            [U, U, F, U, O, O, O, O, F, F, F, F],
        ),
        (
            Method::POST,
            format!("/cases/{c}/feedback"),
            Some(json!({"kind": "useful", "comment": "seen it too"})),
            [U, U, F, U, N, C, C, C, F, F, F, F],
        ),
        (
            Method::POST,
            format!("/cases/{c}/notes"),
            Some(json!({"title": "analysis", "body": "unconfirmed"})),
            [U, U, F, U, F, F, C, C, F, F, F, F],
        ),
        (
            Method::POST,
            format!("/cases/{c}/countermeasures"),
            Some(json!({"title": "block it", "body": "at the proxy"})),
            [U, U, F, U, F, F, C, F, F, F, F, C],
        ),
        (
            Method::GET,
            "/publications".into(),
            None,
            [U, U, F, U, O, O, O, O, F, F, F, F],
        ),
        (
            Method::GET,
            "/public/publications".into(),
            None,
            // The public feed: CLEAR publications only, for anyone.
            [O; 12],
        ),
        (
            Method::GET,
            "/public/publications/999999".into(),
            None,
            [N; 12],
        ),
        (
            Method::GET,
            "/communities/council/trend-reports".into(),
            None,
            [U, U, F, U, F, F, F, F, F, O, F, O],
        ),
        (
            Method::GET,
            "/audit".into(),
            None,
            [U, U, F, U, F, F, F, F, F, F, F, O],
        ),
        // The clock moves only on a demo server started with --clock.
        (
            Method::GET,
            "/demo/clock".into(),
            None,
            [U, U, F, U, F, F, F, F, F, F, F, O],
        ),
        (
            Method::POST,
            "/demo/clock".into(),
            Some(json!({"advance": "1h"})),
            [U, U, F, U, F, F, F, F, F, F, F, X],
        ),
        (
            Method::GET,
            "/audit/checkpoints".into(),
            None,
            [U, U, F, U, O, O, O, O, O, O, O, O],
        ),
        (
            Method::PUT,
            "/communities/council/assembly/rules".into(),
            Some(json!({"quorum_percent": 50, "majority_percent": 50})),
            [U, U, F, U, F, F, F, F, F, F, F, O],
        ),
        (
            Method::POST,
            "/communities/council/assemblies".into(),
            Some(session_body()),
            [U, U, F, U, F, F, F, F, F, F, F, C],
        ),
        (
            Method::GET,
            "/communities/council/assemblies".into(),
            None,
            [U, U, F, U, F, O, O, O, F, O, O, O],
        ),
        (
            Method::GET,
            format!("/communities/council/assemblies/{s}"),
            None,
            [U, U, F, U, F, O, O, O, F, O, O, O],
        ),
        (
            Method::PUT,
            format!("/communities/council/assemblies/{s}/items/{i}/vote"),
            Some(json!({"choice": "yes"})),
            [U, U, F, U, F, O, O, O, F, F, F, F],
        ),
        (
            Method::POST,
            "/communities/council/requests".into(),
            Some(request_body(t)),
            [U, U, F, U, F, F, F, F, F, C, C, C],
        ),
        (
            Method::GET,
            "/communities/council/requests".into(),
            None,
            [U, U, F, U, F, F, F, F, F, O, O, O],
        ),
        (
            Method::POST,
            format!("/communities/council/requests/{rd}/remind"),
            Some(json!({})),
            [U, U, F, U, F, F, F, F, F, O, O, O],
        ),
        (
            Method::GET,
            "/requests".into(),
            None,
            [U, U, F, U, O, O, O, O, F, F, F, F],
        ),
        (
            Method::POST,
            format!("/requests/{rd}/decline"),
            Some(json!({"reason": "nothing to give"})),
            // Someone else's request is not found, as one that does not exist.
            [U, U, F, U, N, O, N, N, F, F, F, F],
        ),
        (
            Method::POST,
            format!("/requests/{ra}/answer"),
            Some(report("green", "answer.example")),
            [U, U, F, U, N, C, N, N, F, F, F, F],
        ),
    ];
    let mut failures = Vec::new();
    for (method, path, body, expected) in &table {
        for ((role, who), want) in ROLES.iter().zip(expected) {
            let status = if path == "/inbox/stream" {
                stream_status(&w.server, who).await
            } else {
                w.server
                    .call(method.clone(), who, path, body.as_ref())
                    .await
                    .status
            };
            if status != *want {
                failures.push(format!(
                    "{method} {path} as {role}: {status}, expected {want}"
                ));
            }
        }
    }
    let plugin_expected = [U, U, F, U, F, F, F, F, C, C, F, C];
    for ((role, who), want) in ROLES.iter().zip(plugin_expected) {
        let token = w
            .server
            .tokens
            .get(*who)
            .map(String::as_str)
            .or((!who.is_empty()).then_some(*who));
        let upload = Some(("application/wasm", baseline.clone()));
        let status = w
            .server
            .send(Method::POST, token, "/plugins", upload)
            .await
            .status;
        if status != want {
            failures.push(format!(
                "POST /plugins as {role}: {status}, expected {want}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The status of opening the event stream (the body never ends, so do not read it).
async fn stream_status(server: &TestServer, who: &str) -> StatusCode {
    let mut request = reqwest::Client::new().get(format!("{}/api/v1/inbox/stream", server.base));
    if !who.is_empty() {
        request = request.bearer_auth(server.tokens.get(who).map(String::as_str).unwrap_or(who));
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn a_left_out_tlp_is_refused_not_defaulted() {
    let w = world().await;
    let reply = w
        .server
        .post(
            "tokyo@council",
            "/communities/council/reports",
            &json!({"title": "no label", "confidence": "confirmed"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["field"], "tlp");
}

#[tokio::test]
async fn reports_nested_in_a_case_are_checked_one_by_one() {
    let w = world().await;
    let nisc = w.server.member_id("nisc@council").await;
    let mut red = report("red", "authz.example");
    red["named_recipients"] = json!([nisc]);
    let sent = w
        .server
        .post("sakura-bank@council", "/communities/council/reports", &red)
        .await;
    assert_eq!(
        sent.body["case_id"],
        w.case.as_str(),
        "same indicator, same case"
    );

    let count = |body: &Value| body["reports"].as_array().map(Vec::len);
    assert_eq!(
        count(
            &w.server
                .get("nisc@council", &format!("/cases/{}", w.case))
                .await
                .body
        ),
        Some(2)
    );
    assert_eq!(
        count(
            &w.server
                .get("tokyo@council", &format!("/cases/{}", w.case))
                .await
                .body
        ),
        Some(1)
    );
    let listed = w.server.get("tokyo@council", "/cases").await.body;
    assert_eq!(listed["cases"][0]["visible_reports"], 1);
}

#[tokio::test]
async fn list_endpoints_apply_the_access_check_to_every_filter() {
    let w = world().await;
    let outsider = "example-motors@j-auto-isac";
    assert_eq!(
        w.server.get(outsider, "/cases").await.body["cases"],
        json!([])
    );
    assert_eq!(
        w.server
            .get(outsider, "/cases?community=council")
            .await
            .body["cases"],
        json!([])
    );
    assert_eq!(
        w.server
            .get(outsider, &format!("/inbox?case={}", w.case))
            .await
            .body["items"],
        json!([])
    );
    assert_eq!(
        w.server
            .get(outsider, "/inbox?community=council")
            .await
            .body["items"],
        json!([])
    );
    assert_eq!(
        w.server
            .get(outsider, "/inbox?cursor=0&limit=500")
            .await
            .body["items"],
        json!([])
    );
}

#[tokio::test]
async fn lowering_the_required_approvals_needs_the_steering_committee() {
    let server = TestServer::start().await;
    let path = "/communities/council/policies/approvals";
    async fn required(server: &TestServer) -> Value {
        server
            .get("secretariat", "/communities/council/policies")
            .await
            .body["required_approvals"]
            .clone()
    }
    assert_eq!(required(&server).await, 1);
    let lowered = server
        .put("secretariat", path, &json!({"required": 0}))
        .await;
    assert_eq!(lowered.status, StatusCode::FORBIDDEN, "{:?}", lowered.body);
    assert_eq!(lowered.body["error"], "Forbidden");
    assert_eq!(required(&server).await, 1, "unchanged");

    let raised = server
        .put("secretariat", path, &json!({"required": 2}))
        .await;
    assert_eq!(raised.status, StatusCode::OK, "{:?}", raised.body);
    let back = server
        .put("secretariat", path, &json!({"required": 1}))
        .await;
    assert_eq!(back.status, StatusCode::FORBIDDEN, "{:?}", back.body);
    assert_eq!(required(&server).await, 2);

    let amended = server
        .put("steering_committee", path, &json!({"required": 0}))
        .await;
    assert_eq!(amended.status, StatusCode::OK, "{:?}", amended.body);
    assert_eq!(required(&server).await, 0);
}

#[tokio::test]
async fn a_member_the_caller_may_not_see_is_not_found_wherever_it_is_named() {
    let server = TestServer::start().await;
    let tokyo = server.member_id("tokyo@council").await;
    let change = json!({"class": "task_force_class2", "reason": "probe"});
    for who in [
        "example-motors@j-auto-isac",
        "nisc@council",
        "operator@ict-isac",
    ] {
        let existing = server
            .put(who, &format!("/members/{tokyo}/class"), &change)
            .await;
        let missing = server.put(who, "/members/999999/class", &change).await;
        assert_eq!(existing.status, StatusCode::NOT_FOUND, "{who}");
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{who}");
        assert_eq!(existing.body, missing.body, "{who}");
    }
    // A member sees itself, so it learns nothing from 403.
    let own = server
        .put("tokyo@council", &format!("/members/{tokyo}/class"), &change)
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
}
