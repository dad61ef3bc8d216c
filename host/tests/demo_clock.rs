//! The demo a new user starts with: a populated roster with a token per member,
//! sample publications, and a clock the secretariat moves forward to watch a
//! delivery the Software ISAC's policy delays by 24 hours arrive. In a process
//! of its own: the clock is process-wide.

use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;

use common::Node;

/// Sends `request` with `token` (none when empty); the status and JSON body.
async fn call(request: reqwest::RequestBuilder, token: &str) -> (StatusCode, Value) {
    let request = match token {
        "" => request,
        token => request.bearer_auth(token),
    };
    let answer = request.send().await.expect("answers");
    let status = answer.status();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn titles(inbox: &Value) -> Vec<String> {
    inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_delivery_arrives_when_the_demo_clock_is_advanced() {
    let data = tempfile::tempdir().unwrap();
    let database = common::postgres_for_run(data.path()).await;
    let server = Node::start_with("demo", data.path(), database.as_deref(), &["--clock"]);
    let tokens = common::demo_tokens(data.path()).await;
    let token = |name: &str| {
        tokens[name]
            .as_str()
            .unwrap_or_else(|| panic!("a token for {name}"))
            .to_string()
    };
    let client = reqwest::Client::new();
    server.wait_until_up(&client, &token("secretariat")).await;
    let url = |path: &str| format!("{}/api/v1{path}", server.base);

    // The roster: named and generated members, each with a token.
    let (status, directory) = call(
        client.get(url("/communities/software-isac/members")),
        &token("operator@software-isac"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{directory}");
    assert_eq!(directory["members"].as_array().unwrap().len(), 63);
    assert_eq!(tokens.as_object().unwrap().len(), 14 + 2 + 8 + 243);
    let credentials = std::fs::metadata(data.path().join("demo-credentials.json")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&credentials.permissions()) & 0o777,
        0o600,
        "the demo's tokens are for its owner"
    );

    // Sample publications: one public, one for the Council and Financials ISAC.
    let (status, feed) = call(client.get(url("/public/publications")), "").await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    assert_eq!(feed["publications"].as_array().unwrap().len(), 1, "{feed}");
    let (_, limited) = call(
        client.get(url("/publications")),
        &token("hokkaido-bank@financials-isac"),
    )
    .await;
    assert_eq!(limited["publications"].as_array().unwrap().len(), 2);
    let (_, outside) = call(
        client.get(url("/publications")),
        &token("hokkaido-software@software-isac"),
    )
    .await;
    assert_eq!(outside["publications"].as_array().unwrap().len(), 1);

    // A report in the Software ISAC: its members who never contributed (all
    // the generated ones) wait 24 hours for it.
    let report = json!({"title": "Trojanised build of a popular logging library",
        "body": "Version 2.4.1 on the mirror carries a loader.", "tlp": "green",
        "confidence": "confirmed", "indicators": [{"kind": "domain", "value": "mirror-cdn.example"}]});
    let (status, submitted) = call(
        client
            .post(url("/communities/software-isac/reports"))
            .json(&report),
        &token("example-software@software-isac"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{submitted}");
    let free_rider = token("hokkaido-software@software-isac");
    let (_, inbox) = call(client.get(url("/inbox")), &free_rider).await;
    assert_eq!(titles(&inbox), Vec::<String>::new());

    // Only the secretariat moves the clock, only forward, by a duration.
    let advance = |by: &str| {
        client
            .post(url("/demo/clock"))
            .json(&json!({"advance": by}))
    };
    let (status, refused) = call(advance("24h"), &free_rider).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, refused) = call(advance("soon"), &token("secretariat")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["field"], "advance", "{refused}");
    let (status, refused) = call(advance("0s"), &token("secretariat")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    let (status, moved) = call(advance("23h"), &token("secretariat")).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["ahead_seconds"], 23 * 3600);
    assert_eq!(moved["adjustable"], true);
    let (_, inbox) = call(client.get(url("/inbox")), &free_rider).await;
    assert_eq!(titles(&inbox), Vec::<String>::new(), "an hour to go");

    let (status, moved) = call(advance("1h 1m"), &token("secretariat")).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let (_, inbox) = call(client.get(url("/inbox")), &free_rider).await;
    assert_eq!(
        titles(&inbox),
        ["Trojanised build of a popular logging library"]
    );

    // Each move is in the audit chain.
    let (_, audit) = call(client.get(url("/audit")), &token("secretariat")).await;
    let moves = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["action"] == "demo.clock")
        .count();
    assert_eq!(moves, 2, "{audit}");
}
