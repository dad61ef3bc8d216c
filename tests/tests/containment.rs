//! Plugin containment over HTTP (issue 13): a plugin that waits in a WASI call is
//! stopped at its deadline and cannot starve other communities; what a plugin
//! draws from `wasi:random` follows the evaluation's inputs; a NUL byte in any
//! string a plugin hands back quarantines the report instead of losing it.

use std::time::{Duration, Instant};

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn report(title: &str, domain: &str) -> Value {
    json!({
        "title": title, "body": format!("{title}. Seen at Kanto."), "tlp": "green",
        "confidence": "confirmed", "indicators": [{"kind": "domain", "value": domain}]
    })
}

/// Makes `community` run the misbehaving plugin with `fault` in `stage`.
async fn misbehave(server: &TestServer, community: &str, fault: &str, stage: &str) {
    let settings = json!({"fault": fault, "stage": stage});
    server
        .run_plugin(community, isac_plugin_artifacts::MISBEHAVING, settings)
        .await;
}

/// Submits as `who` and returns the reply with how long it took.
async fn submit(
    server: &TestServer,
    who: &str,
    community: &str,
    body: &Value,
) -> (isac_tests::Reply, Duration) {
    let started = Instant::now();
    let reply = server
        .post(who, &format!("/communities/{community}/reports"), body)
        .await;
    (reply, started.elapsed())
}

/// The quarantine entry of `report_id`: (stage, fault).
async fn quarantined(server: &TestServer, community: &str, report_id: &Value) -> (String, String) {
    let list = server
        .get(
            &format!("operator@{community}"),
            &format!("/communities/{community}/quarantine"),
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    let entry = list.body["quarantined"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|e| e["report_id"] == *report_id)
        .unwrap_or_else(|| panic!("{report_id} is not in {:?}", list.body));
    (
        entry["stage"].as_str().expect("stage").into(),
        entry["fault"].as_str().expect("fault").into(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sleeping_plugin_is_stopped_at_its_deadline_and_its_report_kept() {
    let server = TestServer::start().await;
    for (fault, stage) in [
        ("sleep", "route"),
        ("sleep", "fingerprints"),
        ("poll", "correlate"),
    ] {
        misbehave(&server, "electricity-isac", fault, stage).await;
        let body = report(&format!("{fault} in {stage}"), "sleep.example");
        let (reply, took) = submit(
            &server,
            "kanto-power@electricity-isac",
            "electricity-isac",
            &body,
        )
        .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
        assert_eq!(reply.body["status"], "quarantined");
        // The plugin asked for a minute; the deadline is 100 ms.
        assert!(
            took < Duration::from_secs(5),
            "{fault} in {stage} took {took:?}"
        );
        let id = &reply.body["report_id"];
        assert_eq!(
            quarantined(&server, "electricity-isac", id).await,
            (
                stage.to_string(),
                "exceeded its deadline of 100 ms".to_string()
            )
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_sleeping_communities_do_not_starve_a_third() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let hostile = [
        ("electricity-isac", "kanto-power@electricity-isac"),
        ("ict-isac", "example-security@ict-isac"),
    ];
    for (community, _) in hostile {
        misbehave(&server, community, "sleep", "route").await;
    }
    let mut flood = Vec::new();
    for (community, member) in hostile {
        for n in 0..6 {
            let server = server.clone();
            flood.push(tokio::spawn(async move {
                let body = report(&format!("flood {n}"), &format!("f{n}.example"));
                submit(&server, member, community, &body).await.0.status
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let body = report("Odd CAN bus traffic", "can.example");
    let (reply, took) = tokio::time::timeout(
        Duration::from_secs(10),
        submit(&server, "example-motors@j-auto-isac", "j-auto-isac", &body),
    )
    .await
    .expect("the third community's report is decided within 10 s");
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["status"], "delivered", "{took:?}");
    for flooded in flood {
        assert_eq!(flooded.await.expect("task"), StatusCode::ACCEPTED);
    }
}

/// `validate-settings` flips a coin from `wasi:random`: seeded by the plugin and
/// the settings, the same settings get the same answer every time.
#[tokio::test]
async fn a_coin_flipping_settings_check_answers_the_same_every_time() {
    let server = TestServer::start().await;
    let digest = server
        .upload("electricity-isac", isac_plugin_artifacts::MISBEHAVING)
        .await;
    let coin =
        json!({"plugin": digest, "settings": {"fault": "random", "stage": "validate-settings"}});
    let mut answers = Vec::new();
    for _ in 0..8 {
        let reply = server
            .put(
                "operator@electricity-isac",
                "/communities/electricity-isac",
                &coin,
            )
            .await;
        // An accepted policy's version counts each PUT; the answer is the rest.
        let mut body = reply.body;
        if let Some(fields) = body.as_object_mut() {
            fields.remove("version");
        }
        answers.push((reply.status, body.to_string()));
    }
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "answers differ: {answers:?}"
    );
}

/// A plugin routing to a random subset of the council: replaying the same stored
/// reports gives the same recipients every time.
#[tokio::test]
async fn replaying_a_random_plugin_agrees_with_itself() {
    let server = TestServer::start().await;
    for n in 0..2 {
        let reply = server
            .post(
                "tokyo@council",
                "/communities/council/reports",
                &report(&format!("Replayed {n}"), &format!("r{n}.example")),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    }
    let runtime = isac_host::runtime::PolicyRuntime::new(Default::default()).expect("runtime");
    let plugin = runtime
        .load(&std::fs::read(isac_plugin_artifacts::MISBEHAVING).expect("plugin built"))
        .expect("loads");
    let pipeline =
        isac_host::pipeline::Pipeline::new(server.db.clone(), std::sync::Arc::new(runtime));
    let candidate = isac_host::pipeline::Policy {
        community: "council".into(),
        plugin,
        settings: json!({"fault": "random", "stage": "route"}).to_string(),
    };
    let mut runs = Vec::new();
    for _ in 0..6 {
        let reports = isac_host::registry::replay::last_reports(&pipeline, "council", 2)
            .await
            .expect("stored reports");
        let mut diffs = Vec::new();
        for (report, decided_by, stored) in reports {
            let replayed = isac_host::registry::replay::replay_one(
                &pipeline, &candidate, report, decided_by, &stored,
            )
            .await
            .expect("replays");
            diffs.push(replayed.diff);
        }
        runs.push(diffs);
    }
    assert_ne!(
        runs[0],
        vec![json!({}), json!({})],
        "the subset differs from the baseline"
    );
    assert!(
        runs.iter().all(|r| *r == runs[0]),
        "replays differ: {runs:?}"
    );
}

#[tokio::test]
async fn a_nul_byte_in_any_plugin_string_quarantines_the_report() {
    let server = TestServer::start().await;
    let cases = [
        (
            "nul",
            "fingerprints",
            "returned an invalid answer: fingerprint 0 contains a NUL byte",
        ),
        (
            "nul",
            "correlate",
            "returned an invalid answer: the new case's title contains a NUL byte",
        ),
        (
            "nul",
            "route",
            "returned an invalid answer: forward 0's target contains a NUL byte",
        ),
        (
            "refuse-nul",
            "fingerprints",
            "refused: refused with a NUL: \\0 here",
        ),
        (
            "refuse-nul",
            "route",
            "refused: refused with a NUL: \\0 here",
        ),
    ];
    for (fault, stage, expected) in cases {
        misbehave(&server, "electricity-isac", fault, stage).await;
        let body = report(&format!("{fault} in {stage}"), "nul.example");
        let (reply, _) = submit(
            &server,
            "kanto-power@electricity-isac",
            "electricity-isac",
            &body,
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::ACCEPTED,
            "{fault} in {stage}: {:?}",
            reply.body
        );
        assert_eq!(reply.body["status"], "quarantined");
        let id = &reply.body["report_id"];
        assert_eq!(
            quarantined(&server, "electricity-isac", id).await,
            (stage.to_string(), expected.to_string())
        );
    }
    // The log of the quarantined decision kept the plugin's NUL lines, escaped.
    let logs: Vec<String> = sqlx::query_scalar("SELECT log FROM decisions WHERE fault IS NOT NULL")
        .fetch_all(&server.db)
        .await
        .expect("decisions");
    assert!(
        logs.iter()
            .any(|log| log.contains(r"a log line with a NUL: \\0 here")),
        "{logs:?}"
    );
}
