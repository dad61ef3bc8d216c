//! A node that hangs while it holds the cluster's write lock (frozen by
//! SIGSTOP, or a machine gone with its connection left open) does not stop the
//! other node for long: the database ends a host session idle in a transaction
//! after 5 s, releasing the lock, and a writer that still cannot have it answers
//! 503 with Retry-After instead of a bare 500. Nothing acknowledged is lost.
//!
//! Always on PostgreSQL (the cluster backend): the server ISAC_TEST_DATABASE_URL
//! or ISAC_TEST_POSTGRES names, else 127.0.0.1:5432.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;

use common::Node;

const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/test";

/// What the other node may wait for the lock a hung node held: the 5 s the
/// database lets a session idle in a transaction, plus a report's own time on
/// a loaded 2-core machine.
const RESUME_BOUND: Duration = Duration::from_secs(9);

fn report(n: usize) -> Value {
    json!({
        "title": format!("Frozen node {n}"), "body": "details", "tlp": "green",
        "confidence": "confirmed", "indicators": [{"kind": "domain", "value": format!("frozen{n}.example")}]
    })
}

/// Posts report `n` to `node`; the report id if it was acknowledged. Anything
/// else must be a 503 with Retry-After (the database was busy), never a 500.
async fn post(client: &reqwest::Client, node: &str, token: &str, n: usize) -> Option<String> {
    let response = client
        .post(format!("{node}/api/v1/communities/council/reports"))
        .bearer_auth(token)
        .json(&report(n))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .ok()?;
    let status = response.status();
    let retry = response.headers().get("retry-after").cloned();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Some(body["report_id"].as_str().expect("an id").to_string());
    }
    assert_eq!(status, reqwest::StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(retry.unwrap(), "5");
    None
}

/// Posts to `node` until one report is acknowledged: how long that took.
async fn first_acknowledged(
    client: &reqwest::Client,
    node: &str,
    token: &str,
    acknowledged: &Mutex<Vec<String>>,
    from: usize,
) -> Duration {
    let started = Instant::now();
    for n in from.. {
        if let Some(id) = post(client, node, token, n).await {
            acknowledged.lock().unwrap().push(id);
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "node never resumed"
        );
    }
    unreachable!()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_lock_holder_stops_the_other_node_for_seconds_and_loses_nothing() {
    let server = ["ISAC_TEST_DATABASE_URL", "ISAC_TEST_POSTGRES"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|url| !url.is_empty()))
        .unwrap_or_else(|| DEFAULT_SERVER.into());
    let database = isac_host::store::scratch_database(&server).await.unwrap();
    let data = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = Node::start("demo", data[0].path(), Some(&database));
    let tokens = common::demo_tokens(data[0].path()).await;
    let b = Node::start("serve", data[1].path(), Some(&database));
    let client = reqwest::Client::new();
    let token = tokens["tokyo@council"].as_str().unwrap().to_string();
    a.wait_until_up(&client, &token).await;
    b.wait_until_up(&client, &token).await;
    let acknowledged = Arc::new(Mutex::new(Vec::new()));

    // A session with the host's settings takes the write lock and hangs.
    let hung = isac_host::store::open(&database).await.unwrap();
    let mut conn = hung.acquire().await.unwrap();
    let tx = isac_host::store::begin_write(&mut conn).await.unwrap();
    let took = first_acknowledged(&client, &b.base, &token, &acknowledged, 0).await;
    eprintln!("a hung session held the lock: node B acknowledged after {took:?}");
    assert!(took < RESUME_BOUND, "node B waited {took:?} for the lock");
    assert!(
        took > Duration::from_secs(3),
        "{took:?}: the lock was not held"
    );
    // The hung session was cut off: it cannot commit what it held.
    assert!(tx.commit().await.is_err());
    drop(conn);

    // Node A frozen mid-load: B resumes within the bound whatever A held.
    let load = {
        let (client, base, token, acknowledged) = (
            client.clone(),
            a.base.clone(),
            token.clone(),
            acknowledged.clone(),
        );
        tokio::spawn(async move {
            for n in 1_000.. {
                if let Some(id) = post(&client, &base, &token, n).await {
                    acknowledged.lock().unwrap().push(id);
                }
                if n == 1_040 {
                    break;
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    a.signal("STOP");
    let took = first_acknowledged(&client, &b.base, &token, &acknowledged, 2_000).await;
    eprintln!("node A frozen: node B acknowledged after {took:?}");
    assert!(
        took < RESUME_BOUND,
        "node B waited {took:?} while A was frozen"
    );
    for n in 3_000..3_005 {
        let id = post(&client, &b.base, &token, n)
            .await
            .expect("B keeps writing");
        acknowledged.lock().unwrap().push(id);
    }
    a.signal("CONT");
    load.await.unwrap();

    // Every acknowledged report is stored, on whichever node it came.
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 7, "{}", acknowledged.len());
    let reader = isac_host::store::open(&database).await.unwrap();
    for id in &acknowledged {
        let stored: Option<String> = sqlx::query_scalar("SELECT id FROM reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&reader)
            .await
            .unwrap();
        assert_eq!(
            stored.as_deref(),
            Some(id.as_str()),
            "acknowledged, then lost"
        );
    }
}
