//! Plugins that try to slip past the policy lifecycle's checks (issue 13, items
//! 6 to 8): shadow runs decide before the commit from the same inputs and diff
//! what each reader would read; text a plugin writes while deciding a report is
//! shown to operators under the report's TLP, and the plugin is not told who gave
//! feedback; the fixture gate also runs every fixture under the staged settings.

use std::time::{Duration, Instant};

use isac_plugin_artifacts::{LOG_LEAKER, MISBEHAVING, SETTINGS_HOSTILE, SHADOW_EVADER};
use isac_tests::{Reply, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const FIN: &str = "financials-isac";

async fn upload(server: &TestServer, who: &str, path: &str) -> String {
    let bytes = std::fs::read(path).expect("built test plugin");
    let reply = server
        .send(
            Method::POST,
            Some(server.token(who)),
            "/plugins",
            Some(("application/wasm", bytes)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["digest"].as_str().expect("digest").to_string()
}

async fn stage_reply(server: &TestServer, community: &str, candidate: &Value) -> Reply {
    server
        .post(
            &format!("operator@{community}"),
            &format!("/communities/{community}/policies"),
            candidate,
        )
        .await
}

async fn stage(server: &TestServer, community: &str, candidate: &Value) -> i64 {
    let reply = stage_reply(server, community, candidate).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["id"].as_i64().expect("version id")
}

async fn step(server: &TestServer, community: &str, path: &str) {
    let reply = server
        .post(
            &format!("operator@{community}"),
            &format!("/communities/{community}/policies/{path}"),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {:?}", reply.body);
}

async fn activate(server: &TestServer, community: &str, candidate: &Value) {
    let version = stage(server, community, candidate).await;
    step(server, community, &format!("{version}/activate")).await;
}

fn report(tlp: &str, domain: &str) -> Value {
    json!({
        "title": "Phishing wave", "body": "Seen at Victim Corp. Details follow.", "tlp": tlp,
        "confidence": "confirmed", "victim": "Victim Corp",
        "indicators": [{"kind": "domain", "value": domain}]
    })
}

async fn submit(server: &TestServer, who: &str, community: &str, body: &Value) -> Reply {
    server
        .post(who, &format!("/communities/{community}/reports"), body)
        .await
}

/// The shadow diffs of `version` once `evaluated` reports were diffed.
async fn diffs(server: &TestServer, community: &str, version: i64, evaluated: usize) -> Value {
    let path = format!("/communities/{community}/policies/{version}/diffs");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = server.get(&format!("operator@{community}"), &path).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        if reply.body["summary"]["evaluated"] == evaluated || Instant::now() > deadline {
            return reply.body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every member the stored decision about `report_id` delivered to, ascending,
/// without those of the submitter's organisation (`own`).
async fn outsiders(server: &TestServer, report_id: &Value, own: &[u64]) -> Vec<u64> {
    let outputs: String = sqlx::query_scalar("SELECT outputs FROM decisions WHERE report_id = $1")
        .bind(report_id.as_str().unwrap())
        .fetch_one(&server.db)
        .await
        .unwrap();
    let outputs: Value = serde_json::from_str(&outputs).unwrap();
    let mut all: Vec<u64> = outputs["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["recipients"].as_array().unwrap().clone())
        .map(|m| m.as_u64().unwrap())
        .filter(|m| !own.contains(m))
        .collect();
    all.sort();
    all
}

/// Shadows `trick` beside the active `none`, sends one GREEN report and returns
/// the report and the diff stored for it.
async fn shadow_one(server: &TestServer, digest: &str, trick: &str) -> (Value, Value) {
    let version = stage(
        server,
        FIN,
        &json!({"plugin": digest, "settings": {"trick": trick}}),
    )
    .await;
    step(server, FIN, &format!("{version}/shadow")).await;
    let sent = submit(
        server,
        "momiji-bank@financials-isac",
        FIN,
        &report("green", &format!("{trick}.example")),
    )
    .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let diffs = diffs(server, FIN, version, 1).await;
    assert_eq!(diffs["summary"]["evaluated"], 1, "{diffs}");
    assert_eq!(diffs["diffs"][0]["report_id"], sent.body["report_id"]);
    (sent.body, diffs["diffs"][0]["diff"].clone())
}

#[tokio::test]
async fn shadow_diffs_show_which_member_would_see_which_extra_bytes() {
    let server = TestServer::start().await;
    let digest = upload(&server, "operator@financials-isac", SHADOW_EVADER).await;
    activate(
        &server,
        FIN,
        &json!({"plugin": digest, "settings": {"trick": "none"}}),
    )
    .await;
    let own = [server.member_id("momiji-bank@financials-isac").await as u64];
    let sakura = server.member_id("sakura-bank@financials-isac").await as u64;

    // The mask count is the same (a title character for each victim mask).
    let (sent, diff) = shadow_one(&server, &digest, "unmask-victim").await;
    let members = outsiders(&server, &sent["report_id"], &own).await;
    assert!(members.contains(&sakura), "{members:?}");
    assert_eq!(
        diff,
        json!({"views_differ": [{"members": members,
            "extra": {"body": ["Victim Corp"], "victim": ["Victim Corp"]},
            "less": {"title": ["P", "i"]}}]})
    );

    // Run before the commit, the shadow version does not find its own case.
    let (sent, diff) = shadow_one(&server, &digest, "shadow-aware").await;
    let members = outsiders(&server, &sent["report_id"], &own).await;
    assert_eq!(
        diff,
        json!({"views_differ": [{"members": members,
            "extra": {"body": ["Victim Corp"], "victim": ["Victim Corp"]}}]})
    );

    // Same target, unsanitised copy.
    let (_, diff) = shadow_one(&server, &digest, "forward-unsanitised").await;
    assert_eq!(
        diff,
        json!({"forwards_differ": [{"community": "council",
            "extra": {"body": ["Victim Corp"], "victim": ["Victim Corp"]}}]})
    );
}

#[tokio::test]
async fn a_diff_of_an_amber_report_is_withheld_from_the_operator() {
    let server = TestServer::start().await;
    let digest = upload(&server, "operator@financials-isac", SHADOW_EVADER).await;
    activate(
        &server,
        FIN,
        &json!({"plugin": digest, "settings": {"trick": "none"}}),
    )
    .await;
    let version = stage(
        &server,
        FIN,
        &json!({"plugin": digest, "settings": {"trick": "unmask-victim"}}),
    )
    .await;
    step(&server, FIN, &format!("{version}/shadow")).await;
    let sent = submit(
        &server,
        "momiji-bank@financials-isac",
        FIN,
        &report("amber", "amber.example"),
    )
    .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let own = [server.member_id("momiji-bank@financials-isac").await as u64];
    let members = outsiders(&server, &sent.body["report_id"], &own).await;
    let diffs = diffs(&server, FIN, version, 1).await;
    let withheld = |length: usize| json!({"withheld": "TLP:AMBER", "length": length});
    assert_eq!(
        diffs["diffs"][0]["diff"],
        json!({"views_differ": [{"members": members,
            "extra": {"body": [withheld(11)], "victim": [withheld(11)]},
            "less": {"title": [withheld(1), withheld(1)]}}]})
    );
    assert_eq!(
        diffs["summary"]["members_see_more"],
        members.len(),
        "{diffs}"
    );
}

#[tokio::test]
async fn a_faulting_shadow_version_neither_blocks_nor_fails_the_live_report() {
    let server = TestServer::start().await;
    let digest = upload(&server, "operator@financials-isac", MISBEHAVING).await;
    let version = stage(
        &server,
        FIN,
        &json!({"plugin": digest, "settings": {"fault": "panic", "stage": "route"}}),
    )
    .await;
    step(&server, FIN, &format!("{version}/shadow")).await;
    let sent = submit(
        &server,
        "momiji-bank@financials-isac",
        FIN,
        &report("green", "panic.example"),
    )
    .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    assert_eq!(sent.body["status"], "delivered");
    let diffs = diffs(&server, FIN, version, 1).await;
    assert_eq!(diffs["summary"]["faults"], 1, "{diffs}");
    let fault = diffs["diffs"][0]["fault"].as_str().unwrap_or_default();
    assert!(
        fault.contains("panicked: misbehaving plugin panics on purpose"),
        "{diffs}"
    );
}

/// The decision log entry about `report_id`, as the operator sees it.
fn decision<'a>(log: &'a Value, report_id: &Value) -> &'a Value {
    log["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["report_id"] == *report_id)
        .unwrap_or_else(|| panic!("a decision about {report_id} in {log}"))
}

#[tokio::test]
async fn operators_read_plugin_text_only_under_the_reports_tlp() {
    let server = TestServer::start().await;
    let set = server
        .put(
            "steering_committee",
            "/communities/council/policies/approvals",
            &json!({"required": 0}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    let digest = upload(&server, "operator@council", LOG_LEAKER).await;
    activate(
        &server,
        "council",
        &json!({"plugin": digest, "settings": {"refuse": false}}),
    )
    .await;
    let tokyo = server.member_id("tokyo@council").await;
    let secret = json!({
        "title": "Credentials", "body": "password=Hunter2", "tlp": "red",
        "confidence": "confirmed", "named_recipients": [tokyo],
        "indicators": [{"kind": "domain", "value": "hunter.example"}]
    });
    let red = submit(&server, "sakura-bank@council", "council", &secret).await;
    assert_eq!(red.status, StatusCode::CREATED, "{:?}", red.body);
    let open = json!({"title": "Open", "body": "nothing secret", "tlp": "green",
        "confidence": "confirmed", "indicators": [{"kind": "domain", "value": "open.example"}]});
    let green = submit(&server, "sakura-bank@council", "council", &open).await;
    assert_eq!(green.status, StatusCode::CREATED, "{:?}", green.body);

    let log = server
        .get("operator@council", "/communities/council/decisions")
        .await;
    assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
    assert!(!log.body.to_string().contains("Hunter2"), "{}", log.body);
    let withheld = |length: usize| json!({"withheld": "TLP:RED", "length": length});
    let red_decision = decision(&log.body, &red.body["report_id"]);
    assert_eq!(
        red_decision["log"]["lines"],
        json!([{"level": "info", "message": withheld("Credentials: password=Hunter2".len())}])
    );
    assert_eq!(
        red_decision["outputs"]["fingerprints"],
        json!([withheld("domain:hunter.example".len())])
    );
    assert_eq!(
        red_decision["outputs"]["correlation"],
        json!({"new_case": withheld("Credentials".len())})
    );
    let green_decision = decision(&log.body, &green.body["report_id"]);
    assert_eq!(
        green_decision["log"]["lines"],
        json!([{"level": "info", "message": "Open: nothing secret"}])
    );

    // The plugin delays feedback by its submitter's id: the giver is not it.
    let case = red.body["case_id"].as_str().unwrap();
    let given = server
        .post(
            "tokyo@council",
            &format!("/cases/{case}/feedback"),
            &json!({"kind": "useful"}),
        )
        .await;
    assert_eq!(given.status, StatusCode::CREATED, "{:?}", given.body);
    assert!(given.body["deliveries"].as_u64().unwrap() > 0);
    let carried = given.body["delivered_as"].as_str().unwrap();
    let submitter = isac_host::store::scalar_i64(
        &server.db,
        "SELECT submitter FROM reports WHERE id = $1",
        carried,
    )
    .await
    .unwrap();
    assert_ne!(submitter, tokyo, "the plugin is told who gave feedback");
    let outputs: String = sqlx::query_scalar("SELECT outputs FROM decisions WHERE report_id = $1")
        .bind(carried)
        .fetch_one(&server.db)
        .await
        .unwrap();
    let outputs: Value = serde_json::from_str(&outputs).unwrap();
    for group in outputs["groups"].as_array().unwrap() {
        assert_eq!(group["delay_seconds"], submitter, "{outputs}");
    }
    let giver = server.get("tokyo@council", "/contribution").await;
    assert_eq!(giver.body["contribution"]["feedback_total"], 1);

    activate(
        &server,
        "council",
        &json!({"plugin": digest, "settings": {"refuse": true}}),
    )
    .await;
    let refused = submit(&server, "sakura-bank@council", "council", &secret).await;
    assert_eq!(refused.status, StatusCode::ACCEPTED, "{:?}", refused.body);
    let quarantine = server
        .get("operator@council", "/communities/council/quarantine")
        .await;
    assert_eq!(quarantine.status, StatusCode::OK, "{:?}", quarantine.body);
    assert!(
        !quarantine.body.to_string().contains("Hunter2"),
        "{}",
        quarantine.body
    );
    let item = &quarantine.body["quarantined"][0];
    assert_eq!(item["report_id"], refused.body["report_id"]);
    assert_eq!(item["fault"]["withheld"], "TLP:RED");
    assert_eq!(item["fault"]["kind"], "refused");
    assert_eq!(
        item["fault"]["length"],
        "refused: will not route: password=Hunter2".len()
    );
    let log = server
        .get("operator@council", "/communities/council/decisions")
        .await;
    assert!(!log.body.to_string().contains("Hunter2"), "{}", log.body);
    let refusal = &decision(&log.body, &refused.body["report_id"])["fault"];
    assert_eq!(
        (&refusal["withheld"], &refusal["kind"]),
        (&json!("TLP:RED"), &json!("refused"))
    );
}

const FIXTURE: &str = r#"
description: Outsiders never see the victim.
community: j-auto-isac
settings: {profile: fixture}
now: 2026-05-11T09:00:00Z
report:
  id: r-1
  community: j-auto-isac
  submitter: 1
  submitter_organisation: 10
  submitted_at: 2026-05-11T08:59:00Z
  title: Phishing wave
  body: Seen at Victim Corp.
  tlp: green
  confidence: confirmed
  victim: Victim Corp
  indicators:
    - { kind: domain, value: evil.example }
audience:
  - { id: 1, organisation: 10, organisation_kind: critical_infrastructure, sector: automotive }
  - { id: 2, organisation: 20, organisation_kind: critical_infrastructure, sector: automotive }
expect:
  routing:
    groups:
      - recipients: [1]
      - recipients: [2]
        redactions:
          - mask_span: { field: victim, start: 0, end: 11 }
          - mask_span: { field: body, start: 8, end: 19 }
"#;

#[tokio::test]
async fn staging_runs_every_fixture_under_the_staged_settings_too() {
    let server = TestServer::start().await;
    let community = "j-auto-isac";
    let digest = upload(&server, "operator@j-auto-isac", SETTINGS_HOSTILE).await;
    let put = server
        .send(
            Method::PUT,
            Some(server.token("operator@j-auto-isac")),
            "/communities/j-auto-isac/policies/fixtures/victim-masked",
            Some(("application/yaml", FIXTURE.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(put.status, StatusCode::CREATED, "{:?}", put.body);

    let same = stage_reply(
        &server,
        community,
        &json!({"plugin": digest, "settings": {"profile": "fixture"}}),
    )
    .await;
    assert_eq!(same.status, StatusCode::CREATED, "{:?}", same.body);
    assert_eq!(
        same.body["fixtures"],
        json!([{"name": "victim-masked", "own_settings": {"passed": true},
            "staged_settings": {"passed": true,
                "notes": ["the staged settings are the fixture's own: see own_settings"]}}])
    );

    let before = server
        .get("secretariat", "/communities/j-auto-isac/policies")
        .await
        .body["versions"]
        .as_array()
        .unwrap()
        .len();
    let hostile = stage_reply(
        &server,
        community,
        &json!({"plugin": digest, "settings": {"profile": "live"}}),
    )
    .await;
    assert_eq!(
        hostile.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        hostile.body
    );
    assert_eq!(hostile.body["field"], "fixtures");
    let message = hostile.body["message"].as_str().unwrap_or_default();
    let expected = "fixture victim-masked failed under the staged settings: \
        a reader would see more than the fixture expects \
        {\"views_differ\":[{\"members\":[2],\"extra\":{\"body\":[\"Victim Corp\"],\"victim\":[\"Victim Corp\"]}}]}";
    assert!(message.ends_with(expected), "{message}");
    let after = server
        .get("secretariat", "/communities/j-auto-isac/policies")
        .await
        .body["versions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, before, "nothing staged");
}
