//! A plugin's answer can fit the output budget and still ask the host to store a
//! report thousands of times: each distinct view is stored once, groups without
//! recipients store nothing, and a report is forwarded once per community.

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Makes the `flooding` test plugin the Financials ISAC's policy with `settings`.
async fn flood(server: &TestServer, settings: Value) {
    server
        .run_plugin("financials-isac", isac_plugin_artifacts::FLOODING, settings)
        .await;
}

async fn submit(server: &TestServer) -> Value {
    let body = json!({
        "title": "Flooded", "body": "x".repeat(60_000), "tlp": "green", "confidence": "confirmed",
        "indicators": [{"kind": "domain", "value": "flood.example"}]
    });
    let reply = server
        .post(
            "momiji-bank@financials-isac",
            "/communities/financials-isac/reports",
            &body,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

async fn views_of(server: &TestServer, report: &Value) -> i64 {
    isac_tests::isac_host::store::scalar_i64(
        &server.db,
        "SELECT COUNT(*) FROM views WHERE report_id = $1",
        report.as_str().expect("report id"),
    )
    .await
    .expect("query runs")
}

#[tokio::test]
async fn empty_groups_store_nothing_and_identical_views_are_stored_once() {
    let server = TestServer::start().await;
    flood(&server, json!({"flood": "groups"})).await;
    let sent = submit(&server).await;
    assert_eq!(sent["deliveries"], 2, "both banks of the ISAC");
    assert_eq!(views_of(&server, &sent["report_id"]).await, 1);
    for bank in ["momiji-bank@financials-isac", "sakura-bank@financials-isac"] {
        let inbox = server.inbox_reports(bank).await;
        assert_eq!(inbox, [sent["report_id"].as_str().unwrap()], "{bank}");
    }
}

#[tokio::test]
async fn a_report_is_forwarded_once_per_community() {
    let server = TestServer::start().await;
    flood(&server, json!({"flood": "forwards", "target": "council"})).await;
    let sent = submit(&server).await;
    let forwards = sent["forwards"].as_array().expect("forwards");
    assert_eq!(forwards.len(), 1, "{sent}");
    assert_eq!(forwards[0]["community"], "council");
    let copies = server.inbox_reports("tokyo@council").await;
    assert_eq!(copies, [forwards[0]["report_id"].as_str().unwrap()]);
}
