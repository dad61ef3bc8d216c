//! SIGKILL the server during a stream of submissions, restart it: every report it
//! acknowledged (201 or 202) is there, and the audit chain is intact.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(command: &str, data: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_isac-host"))
        .args([
            command,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data",
            &data.display().to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("isac-host starts")
}

async fn wait_until_up(client: &reqwest::Client, base: &str, token: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = client
            .get(format!("{base}/api/v1/communities"))
            .bearer_auth(token)
            .send()
            .await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up at {base}");
}

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
    let port = free_port();
    let mut server = start("demo", data.path(), port);
    let credentials = data.path().join("demo-credentials.json");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !credentials.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tokens: Value =
        serde_json::from_str(&std::fs::read_to_string(&credentials).unwrap()).unwrap();
    let token = tokens["tokens"]["tokyo@council"]
        .as_str()
        .unwrap()
        .to_string();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    wait_until_up(&client, &base, &token).await;

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
    server.kill().unwrap();
    server.wait().unwrap();
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

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start("serve", data.path(), port);
    wait_until_up(&client, &base, &token).await;
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

    // None half-delivered: every report in this test reaches every approved member,
    // so after the restart all inboxes hold exactly the same reports.
    let mut inboxes = Vec::new();
    for (name, member_token) in tokens["tokens"].as_object().unwrap() {
        if name.contains('@') && !name.starts_with("operator@") {
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
    server.kill().unwrap();
    server.wait().unwrap();

    let verify = Command::new(env!("CARGO_BIN_EXE_isac-host"))
        .args([
            "audit",
            "verify",
            "--data",
            &data.path().display().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
