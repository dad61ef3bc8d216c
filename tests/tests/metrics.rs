//! `GET /metrics` after real traffic: the series an operator scrapes, with the
//! exact counts this test caused (it is alone in its process, and the recorder
//! is the process's).

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn report(title: &str, domain: &str) -> Value {
    json!({
        "title": title, "body": "details", "tlp": "green",
        "confidence": "confirmed", "indicators": [{"kind": "domain", "value": domain}]
    })
}

async fn scrape(server: &TestServer) -> String {
    let response = reqwest::Client::new()
        .get(format!("{}/metrics", server.base))
        .bearer_auth(server.token("secretariat"))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.expect("text")
}

/// The value of the series named exactly `series` (name and labels).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_the_server_did() {
    let server = TestServer::start().await;
    for n in 0..3 {
        let sent = server
            .post(
                "tokyo@council",
                "/communities/council/reports",
                &report("Phishing", &format!("metrics{n}.example")),
            )
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    }
    let refused = server
        .post(
            "tokyo@council",
            "/communities/council/reports",
            &json!({"title": ""}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A plugin that panics in `route`: the report is quarantined, the fault counted.
    let digest = server
        .run_plugin(
            "electricity-isac",
            isac_plugin_artifacts::MISBEHAVING,
            json!({"fault": "panic", "stage": "route"}),
        )
        .await;
    let quarantined = server
        .post(
            "kanto-power@electricity-isac",
            "/communities/electricity-isac/reports",
            &report("Outage", "grid.example"),
        )
        .await;
    assert_eq!(
        quarantined.status,
        StatusCode::ACCEPTED,
        "{:?}",
        quarantined.body
    );
    let stream = reqwest::Client::new()
        .get(format!("{}/api/v1/inbox/stream", server.base))
        .bearer_auth(server.token("sakura-bank@council"))
        .send()
        .await
        .expect("a stream");
    assert_eq!(stream.status(), StatusCode::OK);

    let text = scrape(&server).await;
    let count =
        |series: &str| value(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));
    assert_eq!(
        count(r#"isac_reports_total{community="council",outcome="delivered"}"#),
        3.0
    );
    assert_eq!(
        count(r#"isac_reports_total{community="council",outcome="refused"}"#),
        1.0
    );
    assert_eq!(
        count(r#"isac_reports_total{community="electricity-isac",outcome="quarantined"}"#),
        1.0
    );
    assert_eq!(count(r#"isac_plugin_faults_total{kind="panic"}"#), 1.0);
    let evaluations = format!(
        r#"isac_plugin_evaluation_seconds_count{{community="electricity-isac",plugin="{digest}"}}"#
    );
    assert_eq!(count(&evaluations), 1.0);
    assert!(count("isac_group_commit_batch_size_count") >= 1.0);
    assert!(count("isac_group_commit_seconds_count") >= 1.0);
    assert_eq!(count("isac_inbox_streams_open"), 1.0);
    assert!(
        value(&text, "isac_inbox_index_lag_seconds").is_some(),
        "{text}"
    );
    assert!(
        count("isac_audit_chain_length") >= 2.0,
        "the uploads and configuration are audited"
    );
    drop(stream);

    // Not for members, nor for anyone without a token.
    for token in [
        Some(server.token("tokyo@council")),
        Some(server.token("operator@council")),
        None,
    ] {
        let mut request = reqwest::Client::new().get(format!("{}/metrics", server.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let status = request.send().await.unwrap().status();
        let expected = if token.is_some() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(status, expected);
    }
}
