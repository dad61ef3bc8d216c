//! SIGKILL the server during a stream of submissions, restart it: every report it
//! acknowledged (201 or 202) is there, and the audit chain is intact.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

mod common;

use common::Node;

/// Every report id in the member's inbox, following the cursor.
async fn inbox(
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> std::collections::BTreeSet<String> {
    let mut stored = std::collections::BTreeSet::new();
    let mut cursor = 0;
    loop {
        let page: Value = client
            .get(format!("{base}/api/v1/inbox?limit=500&cursor={cursor}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            stored.insert(item["report_id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_i64() {
            Some(next) => cursor = next,
            None => return stored,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_reports_survive_sigkill() {
    let data = tempfile::tempdir().unwrap();
    let database = common::postgres_for_run(data.path()).await;
    let mut server = Node::start("demo", data.path(), database.as_deref());
    let tokens = common::demo_tokens(data.path()).await;
    let token = tokens["tokyo@council"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    server.wait_until_up(&client, &token).await;
    let base = server.base.clone();

    // Four writers submit as fast as they can; the server is killed mid-stream.
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0.. {
                let body = json!({"title": format!("w{writer} n{n}"), "tlp": "green", "confidence": "unconfirmed",
                                  "indicators": [{"kind": "domain", "value": format!("w{writer}-{n}.example")}]});
                let sent = client.post(format!("{base}/api/v1/communities/council/reports")).bearer_auth(&token).json(&body).send().await;
                let Ok(response) = sent else { break };
                if response.status().as_u16() == 201 || response.status().as_u16() == 202 {
                    let Ok(reply) = response.json::<Value>().await else { break };
                    acknowledged.push(reply["report_id"].as_str().unwrap().to_string());
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill();
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    assert!(
        acknowledged.len() > 20,
        "only {} reports before the kill",
        acknowledged.len()
    );
    eprintln!("{} reports acknowledged before SIGKILL", acknowledged.len());

    let mut server = Node::start("serve", data.path(), database.as_deref());
    server.wait_until_up(&client, &token).await;
    let base = server.base.clone();
    let stored = inbox(&client, &base, &token).await;
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged reports lost: {lost:?}",
        lost.len(),
        acknowledged.len()
    );

    // None half-delivered: every report in this test reaches every approved member
    // of the Council, so after the restart all their inboxes hold the same reports.
    let mut inboxes = Vec::new();
    for (name, member_token) in tokens.as_object().unwrap() {
        if name.ends_with("@council") && !name.starts_with("operator@") {
            inboxes.push((
                name.clone(),
                inbox(&client, &base, member_token.as_str().unwrap()).await,
            ));
        }
    }
    for (name, reports) in &inboxes {
        assert_eq!(
            reports, &stored,
            "{name}'s inbox differs from tokyo@council's"
        );
    }
    server.kill();

    let mut verify = Command::new(env!("CARGO_BIN_EXE_isac-host"));
    verify.args([
        "audit",
        "verify",
        "--data",
        &data.path().display().to_string(),
    ]);
    if let Some(url) = &database {
        verify.args(["--database-url", url]);
    }
    let verify = verify.output().unwrap();
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
