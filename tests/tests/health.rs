//! `/healthz` and `/readyz`: no token needed; ready only when the database
//! answers and every community's active plugin is loaded; a 503 says what is
//! not ready and when to ask again, and never why a plugin failed.

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn probe(server: &TestServer, path: &str) -> (StatusCode, Option<String>, Value) {
    let reply = reqwest::get(format!("{}{path}", server.base))
        .await
        .expect("answers");
    let status = reply.status();
    let retry = reply
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let request_id = reply.headers().get("x-request-id").cloned();
    let mut body: Value = reply.json().await.expect("a JSON body");
    // An error quotes its request's id (checked in json_errors.rs); the rest
    // of the body is what this suite compares.
    if let Some(quoted) = body.as_object_mut().and_then(|b| b.remove("request_id")) {
        assert_eq!(
            Some(quoted.as_str().unwrap()),
            request_id.as_ref().map(|v| v.to_str().unwrap())
        );
    }
    (status, retry, body)
}

#[tokio::test]
async fn a_node_is_ready_once_its_database_answers_and_every_policy_is_loaded() {
    let server = TestServer::start().await;
    assert_eq!(
        probe(&server, "/healthz").await,
        (StatusCode::OK, None, json!({"status": "up"}))
    );
    let (status, _, body) = probe(&server, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"status": "ready", "database": "ok", "communities": 8})
    );

    // A community whose active plugin cannot load keeps the node out of service.
    sqlx::query("INSERT INTO plugins (digest, bytes, uploaded_by, uploaded_at) VALUES ('broken', $1, 'test', 0)")
        .bind(b"not a component".to_vec())
        .execute(&server.db)
        .await
        .expect("inserted");
    sqlx::query("UPDATE communities SET plugin_digest = 'broken' WHERE id = 'ict-isac'")
        .execute(&server.db)
        .await
        .expect("updated");
    let (status, retry, body) = probe(&server, "/readyz").await;
    assert_eq!(
        (status, retry.as_deref()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("5"))
    );
    assert_eq!(
        body,
        json!({"status": "not_ready", "database": "ok", "plugins_not_loaded": {"ict-isac": "not loaded"}})
    );
    // The process still serves.
    assert_eq!(probe(&server, "/healthz").await.0, StatusCode::OK);

    server.db.close().await;
    let (status, retry, body) = probe(&server, "/readyz").await;
    assert_eq!(
        (status, retry.as_deref()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("5"))
    );
    assert_eq!(
        body,
        json!({"status": "not_ready", "database": "unreachable"})
    );
}
