//! Every output budget a plugin could once bypass (issue 13, item 3): a flood of
//! log lines, stdout and stderr is kept within one budget and the decision
//! stands; refusal messages are cut; strings aliasing one buffer are refused
//! before the host copies them; a new case's title is capped like a report's.

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

const COMMUNITY: &str = "electricity-isac";
const OPERATOR: &str = "operator@electricity-isac";

/// Makes the electricity ISAC run the misbehaving plugin with `fault` in `stage`,
/// then submits a report to it.
async fn submit_under(server: &TestServer, fault: &str, stage: &str) -> isac_tests::Reply {
    let settings = json!({"fault": fault, "stage": stage});
    server
        .run_plugin(COMMUNITY, isac_plugin_artifacts::MISBEHAVING, settings)
        .await;
    let report = json!({
        "title": format!("{fault} in {stage}"), "body": "Seen at Kanto.", "tlp": "green",
        "confidence": "confirmed", "indicators": [{"kind": "domain", "value": "budget.example"}]
    });
    server
        .post(
            "kanto-power@electricity-isac",
            &format!("/communities/{COMMUNITY}/reports"),
            &report,
        )
        .await
}

/// The quarantine entry of `reply`'s report: (stage, fault).
async fn quarantined(server: &TestServer, reply: &isac_tests::Reply) -> (String, String) {
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    assert_eq!(reply.body["status"], "quarantined");
    let list = server
        .get(OPERATOR, &format!("/communities/{COMMUNITY}/quarantine"))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    let entry = list.body["quarantined"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|e| e["report_id"] == reply.body["report_id"])
        .unwrap_or_else(|| panic!("{:?} is not in {:?}", reply.body, list.body));
    (
        entry["stage"].as_str().expect("stage").into(),
        entry["fault"].as_str().expect("fault").into(),
    )
}

/// The stored decision rows (log, fault) of `report_id`.
async fn decisions(server: &TestServer, report_id: &Value) -> Vec<(String, Option<String>)> {
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT report_id, log, fault FROM decisions")
            .fetch_all(&server.db)
            .await
            .expect("decisions");
    rows.into_iter()
        .filter(|(id, _, _)| Some(id.as_str()) == report_id.as_str())
        .map(|(_, log, fault)| (log, fault))
        .collect()
}

#[tokio::test]
async fn a_log_flood_is_kept_within_one_budget_and_the_report_delivered() {
    let server = TestServer::start().await;
    let reply = submit_under(&server, "log-flood", "route").await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let rows = decisions(&server, &reply.body["report_id"]).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (log, fault) = &rows[0];
    assert_eq!(fault, &None);
    // The budget (64 KiB) bounds the stored row, lines, stdout and stderr together,
    // plus the log's own frame and its "dropped" notes.
    let budget = isac_tests::isac_host::runtime::RuntimeLimits::default().log_bytes;
    assert!(log.len() <= budget + 256, "{} bytes", log.len());
    let log: Value = serde_json::from_str(log).expect("a JSON log");
    let lines = log["lines"].as_array().expect("lines").len();
    let dropped = log["dropped_lines"].as_u64().expect("a count") as usize;
    assert!(lines <= 1_000, "{lines} lines kept");
    assert_eq!(lines + dropped, 5_200, "every line is kept or counted");
}

#[tokio::test]
async fn a_refusal_message_is_cut_at_4_kib() {
    let server = TestServer::start().await;
    let reply = submit_under(&server, "long-refusal", "fingerprints").await;
    let expected = format!(
        "refused: {} [1044480 more bytes dropped]",
        "no".repeat(2048)
    );
    assert_eq!(
        quarantined(&server, &reply).await,
        ("fingerprints".to_string(), expected)
    );
    for (_, fault) in decisions(&server, &reply.body["report_id"]).await {
        let fault = fault.expect("the decision faulted");
        assert!(fault.len() < 4096 + 200, "{} bytes", fault.len());
    }
}

#[tokio::test]
async fn strings_aliasing_one_buffer_are_refused_before_they_are_copied() {
    let server = TestServer::start().await;
    let reply = submit_under(&server, "aliased-strings", "fingerprints").await;
    assert_eq!(
        quarantined(&server, &reply).await,
        (
            "fingerprints".to_string(),
            "returned more than 4194304 bytes, past the output cap of 1048576 bytes".to_string()
        )
    );
}

#[tokio::test]
async fn a_new_case_title_is_capped_at_300_characters() {
    let server = TestServer::start().await;
    let reply = submit_under(&server, "long-title", "correlate").await;
    assert_eq!(
        quarantined(&server, &reply).await,
        (
            "correlate".to_string(),
            "returned an invalid answer: opens a new case with a title of 1000000 characters, past the 300 a report's title may have".to_string()
        )
    );
}
