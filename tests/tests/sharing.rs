//! The sharing core end to end: the real server over HTTP on a real SQLite file.

use std::time::Duration;

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn report(title: &str, tlp: &str, confidence: &str, domain: &str) -> Value {
    json!({
        "title": title, "body": format!("{title}. Seen at Sakura Bank."), "tlp": tlp, "confidence": confidence,
        "victim": "Sakura Bank", "indicators": [{"kind": "domain", "value": domain}]
    })
}

async fn submit(server: &TestServer, who: &str, community: &str, body: &Value) -> Value {
    let reply = server
        .post(who, &format!("/communities/{community}/reports"), body)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

/// The id of the member's delivery of `report_id`, or None.
async fn delivery_id(server: &TestServer, who: &str, report_id: &Value) -> Option<Value> {
    let inbox = server.get(who, "/inbox?limit=500").await;
    let item = inbox.body["items"]
        .as_array()?
        .iter()
        .find(|i| i["report_id"] == *report_id)?;
    Some(item["delivery_id"].clone())
}

/// The member's delivery of `report_id` with its view, or None.
async fn delivered(server: &TestServer, who: &str, report_id: &str) -> Option<Value> {
    let id = delivery_id(server, who, &Value::from(report_id)).await?;
    let view = server.get(who, &format!("/inbox/{id}")).await;
    assert_eq!(view.status, StatusCode::OK);
    Some(view.body["view"].clone())
}

#[tokio::test]
async fn two_organisations_reporting_one_indicator_make_one_case() {
    let server = TestServer::start().await;
    let first = submit(
        &server,
        "sakura-bank@council",
        "council",
        &report(
            "Phishing wave",
            "green",
            "unconfirmed",
            "evil-login.example",
        ),
    )
    .await;
    let second = submit(
        &server,
        "tokyo@council",
        "council",
        &report(
            "Same domain here",
            "green",
            "confirmed",
            "EVIL-login.example.",
        ),
    )
    .await;
    assert_eq!(first["case_id"], second["case_id"]);
    // The answer the README documents, every key present.
    let mut keys: Vec<&String> = first.as_object().expect("an object").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "case_id",
            "community",
            "deliveries",
            "forwards",
            "groups",
            "report_id",
            "status"
        ]
    );
    assert_eq!(first["forwards"], json!([]));
    assert_eq!(first["status"], "delivered");
    let other = submit(
        &server,
        "tokyo@council",
        "council",
        &report("Unrelated", "green", "confirmed", "other.example"),
    )
    .await;
    assert_ne!(other["case_id"], first["case_id"]);

    let case = server
        .get(
            "example-security@council",
            &format!("/cases/{}", first["case_id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(case.status, StatusCode::OK);
    assert_eq!(case.body["reports"].as_array().unwrap().len(), 2);
    assert_eq!(case.body["confidence"], "confirmed");
}

#[tokio::test]
async fn views_are_redacted_as_the_plugin_says() {
    let server = TestServer::start().await;
    let sent = submit(
        &server,
        "sakura-bank@council",
        "council",
        &report("Phishing at Sakura Bank", "green", "confirmed", "a.example"),
    )
    .await;
    let id = sent["report_id"].as_str().unwrap();

    let outsider = delivered(&server, "example-security@council", id)
        .await
        .expect("delivered to a vendor");
    assert_eq!(outsider["victim"], "███████████");
    assert_eq!(outsider["title"], "Phishing at ███████████");
    assert_eq!(
        outsider["body"],
        "Phishing at ███████████. Seen at ███████████."
    );
    assert_eq!(
        outsider["indicators"],
        json!([{"kind": "domain", "value": "a.example"}])
    );

    // The submitter's organisation sees the original in the community it chose;
    // its seat in another community receives nothing, as the rest of that community.
    let view = delivered(&server, "sakura-bank@council", id)
        .await
        .expect("delivered to own organisation");
    assert_eq!(view["victim"], "Sakura Bank");
    assert_eq!(
        delivered(&server, "sakura-bank@financials-isac", id).await,
        None
    );
}

#[tokio::test]
async fn amber_strict_is_never_forwarded_but_confirmed_green_is() {
    let server = TestServer::start().await;
    let strict = submit(
        &server,
        "sakura-bank@financials-isac",
        "financials-isac",
        &report("Insider tool", "amber+strict", "confirmed", "b.example"),
    )
    .await;
    assert_eq!(strict["forwards"], json!([]), "{strict}");
    assert_eq!(strict["deliveries"], 2, "both banks of the ISAC");

    let green = submit(
        &server,
        "sakura-bank@financials-isac",
        "financials-isac",
        &report("Fake MFA page", "green", "confirmed", "c.example"),
    )
    .await;
    let forwards = green["forwards"].as_array().expect("forwarded");
    assert_eq!(forwards.len(), 1);
    assert_eq!(forwards[0]["community"], "council");
    assert_eq!(forwards[0]["status"], "delivered");
    // The Council copy is sanitised: no body, victim masked, and the Council's
    // members (not the ISAC's) received it.
    let copy = delivered(
        &server,
        "tokyo@council",
        forwards[0]["report_id"].as_str().unwrap(),
    )
    .await
    .expect("council copy");
    assert_eq!(copy.get("body"), None);
    assert_eq!(copy["victim"], "███████████");
}

#[tokio::test]
async fn red_reaches_only_named_recipients() {
    let server = TestServer::start().await;
    let named = server.member_id("example-security@council").await;
    let mut body = report(
        "Intrusion at a named operator",
        "red",
        "confirmed",
        "d.example",
    );
    body["named_recipients"] = json!([named]);
    let sent = submit(&server, "tokyo@council", "council", &body).await;
    let id = sent["report_id"].as_str().unwrap();
    assert!(
        delivered(&server, "example-security@council", id)
            .await
            .is_some()
    );
    assert!(
        delivered(&server, "tokyo@council", id).await.is_some(),
        "own organisation"
    );
    for outsider in [
        "sakura-bank@council",
        "nisc@council",
        "kanto-power@electricity-isac",
    ] {
        assert!(
            delivered(&server, outsider, id).await.is_none(),
            "{outsider} got a RED report"
        );
    }
    assert_eq!(sent["deliveries"], 2);
}

#[tokio::test]
async fn an_expelled_member_gets_401_and_nothing_new() {
    let server = TestServer::start().await;
    let before = submit(
        &server,
        "tokyo@council",
        "council",
        &report("Before", "green", "confirmed", "e.example"),
    )
    .await;
    let kanto = server.member_id("kanto-power@council").await;
    // Used before the expulsion, so a cached principal must not survive it.
    assert_eq!(
        server.get("kanto-power@council", "/inbox").await.status,
        StatusCode::OK
    );
    let expel = server
        .post(
            "steering_committee",
            &format!("/members/{kanto}/expel"),
            &json!({"reason": "breach of confidentiality"}),
        )
        .await;
    assert_eq!(expel.status, StatusCode::OK, "{:?}", expel.body);

    assert_eq!(
        server.get("kanto-power@council", "/inbox").await.status,
        StatusCode::UNAUTHORIZED
    );
    let after = submit(
        &server,
        "tokyo@council",
        "council",
        &report("After", "green", "confirmed", "f.example"),
    )
    .await;
    assert_eq!(
        after["deliveries"].as_i64().unwrap(),
        before["deliveries"].as_i64().unwrap() - 1
    );
    let history = server
        .get("steering_committee", &format!("/members/{kanto}"))
        .await;
    assert_eq!(history.body["status"], "expelled");
    assert_eq!(
        history.body["events"].as_array().unwrap().last().unwrap()["reason"],
        "breach of confidentiality"
    );
}

#[tokio::test]
async fn a_member_cannot_read_another_members_delivery() {
    let server = TestServer::start().await;
    let named = server.member_id("example-security@council").await;
    let mut body = report("Private view", "red", "confirmed", "g.example");
    body["named_recipients"] = json!([named]);
    let sent = submit(&server, "sakura-bank@council", "council", &body).await;
    let theirs = delivery_id(&server, "example-security@council", &sent["report_id"])
        .await
        .unwrap();
    assert_eq!(
        server
            .get("example-security@council", &format!("/inbox/{theirs}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        server
            .get("tokyo@council", &format!("/inbox/{theirs}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        server.get("tokyo@council", "/inbox/999999").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_quarantined_report_is_kept_and_delivered_after_the_fix() {
    let server = TestServer::start().await;
    let bytes = std::fs::read(isac_plugin_artifacts::MISBEHAVING).unwrap();
    let upload = server
        .send(
            reqwest::Method::POST,
            Some(server.token("operator@electricity-isac")),
            "/plugins",
            Some(("application/wasm", bytes)),
        )
        .await;
    assert_eq!(upload.status, StatusCode::CREATED, "{:?}", upload.body);
    let faulty =
        json!({"plugin": upload.body["digest"], "settings": {"fault": "panic", "stage": "route"}});
    assert_eq!(
        server
            .put(
                "operator@electricity-isac",
                "/communities/electricity-isac",
                &faulty
            )
            .await
            .status,
        StatusCode::OK
    );

    let reply = server
        .post(
            "kanto-power@electricity-isac",
            "/communities/electricity-isac/reports",
            &report("Odd PLC traffic", "amber", "suspicion", "h.example"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(reply.body["status"], "quarantined");
    let id = reply.body["report_id"].as_str().unwrap().to_string();
    assert!(
        server
            .inbox_reports("kanto-power@electricity-isac")
            .await
            .is_empty(),
        "never delivered"
    );

    let quarantine = server
        .get(
            "operator@electricity-isac",
            "/communities/electricity-isac/quarantine",
        )
        .await;
    let entry = &quarantine.body["quarantined"][0];
    assert_eq!(
        (
            entry["report_id"].as_str().unwrap(),
            entry["stage"].as_str().unwrap()
        ),
        (id.as_str(), "route")
    );
    // A panic message is plugin text: of an AMBER report, the operator sees its kind.
    assert_eq!(
        entry["fault"],
        json!({"withheld": "TLP:AMBER", "kind": "panicked",
            "length": "panicked: misbehaving plugin panics on purpose".len()})
    );

    let fixed = json!({"plugin": "baseline", "settings": {}});
    assert_eq!(
        server
            .put(
                "operator@electricity-isac",
                "/communities/electricity-isac",
                &fixed
            )
            .await
            .status,
        StatusCode::OK
    );
    let rerun = server
        .post(
            "operator@electricity-isac",
            &format!("/communities/electricity-isac/quarantine/{id}/rerun"),
            &json!({}),
        )
        .await;
    assert_eq!(rerun.status, StatusCode::OK, "{:?}", rerun.body);
    assert_eq!(rerun.body["status"], "delivered");
    assert_eq!(
        server.inbox_reports("kanto-power@electricity-isac").await,
        vec![id.clone()]
    );
    let quarantine = server
        .get(
            "operator@electricity-isac",
            "/communities/electricity-isac/quarantine",
        )
        .await;
    assert_eq!(quarantine.body["quarantined"], json!([]));
}

#[tokio::test]
async fn inbox_stream_pushes_new_deliveries() {
    let server = TestServer::start().await;
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/inbox/stream", server.base))
        .bearer_auth(server.token("example-security@council"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let sent = submit(
        &server,
        "tokyo@council",
        "council",
        &report("Live", "green", "confirmed", "i.example"),
    )
    .await;
    let mut response = response;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(sent["report_id"].as_str().unwrap()) {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: delivery"), "{seen}");
}

#[tokio::test]
async fn the_audit_chain_detects_tampering() {
    let server = TestServer::start().await;
    let kanto = server.member_id("kanto-power@council").await;
    server
        .post(
            "steering_committee",
            &format!("/members/{kanto}/suspend"),
            &json!({"reason": "audit"}),
        )
        .await;
    submit(
        &server,
        "sakura-bank@council",
        "council",
        &report("Read me", "green", "confirmed", "j.example"),
    )
    .await;
    server.inbox_reports("tokyo@council").await;
    assert!(
        isac_host::store::verify_audit(&server.db)
            .await
            .unwrap()
            .is_ok()
    );

    sqlx::query("UPDATE audit_log SET detail = 'nothing happened' WHERE action = 'member.suspend'")
        .execute(&server.db)
        .await
        .unwrap();
    let broken = isac_host::store::verify_audit(&server.db)
        .await
        .unwrap()
        .unwrap_err();
    let seq: i64 = sqlx::query_scalar("SELECT seq FROM audit_log WHERE action = 'member.suspend'")
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(broken.seq, seq);
}

/// Each read is audit-logged; reads at the same moment must neither fail nor
/// fork the hash chain.
#[tokio::test]
async fn concurrent_reads_are_each_audited_in_one_chain() {
    let server = TestServer::start().await;
    let sent = submit(
        &server,
        "sakura-bank@council",
        "council",
        &report("Read by many", "green", "confirmed", "many.example"),
    )
    .await;
    let delivery = delivery_id(&server, "tokyo@council", &sent["report_id"])
        .await
        .unwrap();
    let path = format!("/inbox/{delivery}");
    let reads = (0..24).map(|_| server.get("tokyo@council", &path));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(reads)
        .await
        .into_iter()
        .map(|reply| reply.status)
        .collect();
    assert_eq!(statuses, vec![StatusCode::OK; 24]);
    let logged = isac_host::store::scalar_i64(
        &server.db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'view.read' AND object = $1",
        &delivery.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(logged, 24);
    assert!(
        isac_host::store::verify_audit(&server.db)
            .await
            .unwrap()
            .is_ok()
    );
}

/// Deliveries not yet in the inbox index are found through their views, and
/// the index, once built, lists exactly the same ones.
#[tokio::test]
async fn the_inbox_is_the_same_before_and_after_indexing() {
    let server = TestServer::start().await;
    let mut sent = Vec::new();
    for n in 0..3 {
        let body = report(
            &format!("Indexed {n}"),
            "green",
            "confirmed",
            &format!("idx{n}.example"),
        );
        sent.push(
            submit(&server, "sakura-bank@council", "council", &body).await["report_id"].clone(),
        );
    }
    let listed = async || -> Vec<Value> {
        let inbox = server.get("tokyo@council", "/inbox?limit=500").await;
        inbox.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["report_id"].clone())
            .collect()
    };
    let before = listed().await;
    // The writer indexes within a fraction of a second, even when idle.
    let unindexed = async || -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM views WHERE id > (SELECT last_view FROM inbox_indexed)",
        )
        .fetch_one(&server.db)
        .await
        .unwrap()
    };
    for _ in 0..50 {
        if unindexed().await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(unindexed().await, 0);
    let after = listed().await;
    assert_eq!(before, after);
    for report in &sent {
        assert!(after.contains(report), "{report} missing from {after:?}");
    }
}

#[tokio::test]
async fn delayed_deliveries_appear_when_due() {
    let server = TestServer::start().await;
    // A Council policy change: staged, approved by the steering committee, activated.
    let give_and_take =
        json!({"plugin": "give-and-take", "settings": {"free_rider_delay_hours": 1}});
    let staged = server
        .post(
            "operator@council",
            "/communities/council/policies",
            &give_and_take,
        )
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
    let sent = submit(
        &server,
        "tokyo@council",
        "council",
        &report("Held back", "green", "confirmed", "k.example"),
    )
    .await;
    let id = sent["report_id"].as_str().unwrap();
    assert!(
        delivered(&server, "tokyo@council", id).await.is_some(),
        "own organisation at once"
    );
    assert!(
        delivered(&server, "example-security@council", id)
            .await
            .is_none(),
        "no contribution: held back"
    );

    // An hour passes for the held-back deliveries.
    sqlx::query("UPDATE views SET available_at = available_at - 3600 WHERE report_id = $1")
        .bind(id)
        .execute(&server.db)
        .await
        .unwrap();
    assert!(
        delivered(&server, "example-security@council", id)
            .await
            .is_some(),
        "due now"
    );
}

#[tokio::test]
async fn the_decision_log_says_why_a_forward_was_dropped() {
    let server = TestServer::start().await;
    let nowhere = json!({"settings": {"council": "no-such-council"}});
    assert_eq!(
        server
            .put(
                "operator@financials-isac",
                "/communities/financials-isac",
                &nowhere
            )
            .await
            .status,
        StatusCode::OK
    );
    let sent = submit(
        &server,
        "sakura-bank@financials-isac",
        "financials-isac",
        &report("Confirmed", "green", "confirmed", "l.example"),
    )
    .await;
    assert_eq!(sent["forwards"], json!([]));
    let log = server
        .get(
            "operator@financials-isac",
            "/communities/financials-isac/decisions",
        )
        .await;
    let decision = &log.body["decisions"][0];
    assert_eq!(decision["report_id"], sent["report_id"]);
    assert_eq!(
        decision["outputs"]["guardrails"],
        json!(["dropped the forward to no-such-council: no such community"])
    );
    assert_eq!(decision["outputs"]["forwards"], json!([]));
}
