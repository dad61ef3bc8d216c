//! Start-up with a stored plugin that faults in its load-time warm-up: the server
//! starts (it once panicked, running the guest on an async worker), and the
//! version is listed as unusable with the reason.

use std::time::Duration;

use serde_json::{Value, json};

mod common;

use common::Node;

async fn call(request: reqwest::RequestBuilder, token: &str) -> (reqwest::StatusCode, Value) {
    let response = request.bearer_auth(token).send().await.expect("answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_that_times_out_at_load_is_unusable_and_the_server_starts() {
    let data = tempfile::tempdir().unwrap();
    let database = common::postgres_for_run(data.path()).await;
    let client = reqwest::Client::new();
    // Under a 2 s deadline the plugin's 400 ms warm-up passes: it is uploaded and staged.
    let mut server = Node::start_with(
        "demo",
        data.path(),
        database.as_deref(),
        &["--deadline-ms", "2000"],
    );
    let tokens = common::demo_tokens(data.path()).await;
    let operator = tokens["operator@j-auto-isac"].as_str().unwrap().to_string();
    server.wait_until_up(&client, &operator).await;
    let bytes = std::fs::read(isac_plugin_artifacts::SLOW_START).unwrap();
    let (status, uploaded) = call(
        client
            .post(format!("{}/api/v1/plugins", server.base))
            .header("content-type", "application/wasm")
            .body(bytes),
        &operator,
    )
    .await;
    assert!(status.is_success(), "{status} {uploaded}");
    let digest = uploaded["digest"].as_str().unwrap().to_string();
    let policies = format!("{}/api/v1/communities/j-auto-isac/policies", server.base);
    let (status, staged) = call(
        client
            .post(&policies)
            .json(&json!({"plugin": digest, "settings": {}})),
        &operator,
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{staged}");
    server.kill();

    // Restarted under the default 100 ms deadline, its warm-up times out.
    std::fs::remove_file(data.path().join("demo-credentials.json")).unwrap();
    let server = Node::start("demo", data.path(), database.as_deref());
    let tokens = common::demo_tokens(data.path()).await;
    let operator = tokens["operator@j-auto-isac"].as_str().unwrap().to_string();
    tokio::time::timeout(
        Duration::from_secs(60),
        server.wait_until_up(&client, &operator),
    )
    .await
    .expect("the server starts");
    let policies = format!("{}/api/v1/communities/j-auto-isac/policies", server.base);
    let (status, listed) = call(client.get(&policies), &operator).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{listed}");
    let version = listed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == staged["id"])
        .unwrap_or_else(|| panic!("the staged version is listed: {listed}"));
    assert_eq!(version["status"], "staged");
    assert_eq!(
        version["unusable"],
        "validate-settings: exceeded its deadline of 100 ms"
    );
    let active = listed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["status"] == "active")
        .expect("an active version");
    assert_eq!(active["unusable"], Value::Null, "the baseline loads");
}
