//! The operator's view of a running server: each request is a log line naming
//! its request id, and SIGTERM ends it cleanly even with inbox streams open.

use std::time::Duration;

mod common;

use common::Node;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_logged_with_their_id_and_sigterm_ends_open_streams() {
    let data = tempfile::tempdir().unwrap();
    let database = common::postgres_for_run(data.path()).await;
    let mut server = Node::start("demo", data.path(), database.as_deref());
    let tokens = common::demo_tokens(data.path()).await;
    let member = tokens["tokyo@council"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    server.wait_until_up(&client, &member).await;

    let answered = client
        .get(format!("{}/api/v1/inbox?limit=abc", server.base))
        .bearer_auth(&member)
        .header("x-request-id", "probe-4242")
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), reqwest::StatusCode::BAD_REQUEST);
    let stream = client
        .get(format!("{}/api/v1/inbox/stream", server.base))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), reqwest::StatusCode::OK);

    // The stream would run forever; shutting down ends it, then the process.
    let ended = tokio::task::spawn_blocking(move || {
        let status = server.terminate(Duration::from_secs(10));
        (server, status)
    })
    .await
    .unwrap()
    .1;
    let status = ended.expect("the server ends within 10 s of SIGTERM");
    assert!(status.success(), "{status}");
    let body = stream.text().await.expect("the stream ends cleanly");
    assert!(!body.contains("event: delivery"), "{body}");

    let log = std::fs::read_to_string(data.path().join(common::LOG)).unwrap();
    let line = log
        .lines()
        .find(|line| line.contains("probe-4242"))
        .unwrap_or_else(|| panic!("no line with the request id in\n{log}"));
    assert!(
        line.contains("/api/v1/inbox") && line.contains("400"),
        "{line}"
    );
    assert!(
        !line.contains("limit=abc"),
        "the query string stays out of the log: {line}"
    );
    assert!(log.contains("shutting down"), "{log}");
    assert!(!log.contains('\u{1b}'), "no terminal colours in a log file");
}
