//! Inbox reads with 1,000,000 deliveries stored: a 300-member Council receives
//! 3,400 GREEN reports (about 300 deliveries each, submitted through the real
//! pipeline), then one member's inbox is paged over HTTP: the first page, a
//! page from the middle (cursor), single deliveries, and pages of 100 objects
//! of its TAXII inbox collection (first and middle).
//! `cargo bench -p isac-host --bench inbox` (INBOX_REPORTS, default 3400).

mod common;

use std::time::{Duration, Instant};

use common::council;
use futures_util::future::join_all;
use isac_host::model::{Confidence, Indicator, IndicatorKind, Report, ReportStatus, Tlp};
use isac_host::{server, store};

const READS: usize = 200;

fn report(submitter: i64, organisation: i64, n: u64) -> Report {
    Report {
        id: store::new_id("r"),
        community: "council".into(),
        submitter: submitter as u64,
        submitter_organisation: organisation as u64,
        // The host fills these in from the organisation when it decides.
        submitter_kind: Default::default(),
        submitter_sector: Default::default(),
        submitted_at: time::OffsetDateTime::now_utc(),
        title: format!("Report {n}"),
        body: "Phishing seen at Example Corp".into(),
        tlp: Tlp::Green,
        confidence: Confidence::Confirmed,
        indicators: vec![Indicator {
            kind: IndicatorKind::Domain,
            value: format!("inbox-{n}.example"),
        }],
        tags: Vec::new(),
        victim: Some("Example Corp".into()),
        named_recipients: Vec::new(),
        provenance: Vec::new(),
    }
}

fn percentiles(mut times: Vec<Duration>) -> String {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    format!("p50 {:.2} ms, p99 {:.2} ms", at(0.5), at(0.99))
}

async fn time_gets(client: &reqwest::Client, url: &str, token: &str) -> String {
    let mut times = Vec::with_capacity(READS);
    for _ in 0..READS {
        let started = Instant::now();
        let answer = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("answer");
        assert!(answer.status().is_success(), "{url}: {}", answer.status());
        answer.bytes().await.expect("body");
        times.push(started.elapsed());
    }
    percentiles(times)
}

async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json")
}

#[tokio::main]
async fn main() {
    let reports: u64 = std::env::var("INBOX_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3400);
    let data = tempfile::tempdir().expect("temp dir");
    let (state, tokens, _) = council(data.path(), 300).await;
    let (submitter, organisation): (i64, i64) = sqlx::query_as(
        "SELECT m.id, m.organisation_id FROM members m JOIN organisations o ON o.id = m.organisation_id WHERE o.name = 'Sakura Bank' AND m.community_id = 'council'",
    )
    .fetch_one(&state.db)
    .await
    .expect("Sakura Bank");
    let started = Instant::now();
    let mut sent = 0;
    while sent < reports {
        let chunk = (sent..(sent + 64).min(reports))
            .map(|n| state.pipeline.submit(report(submitter, organisation, n)));
        for committed in join_all(chunk).await {
            assert_eq!(committed.expect("stored").status, ReportStatus::Delivered);
        }
        sent = (sent + 64).min(reports);
    }
    let stored: Vec<String> = sqlx::query_scalar("SELECT recipients FROM views")
        .fetch_all(&state.db)
        .await
        .expect("views");
    let total: usize = stored
        .iter()
        .map(|r| r.split(',').filter(|s| !s.is_empty()).count())
        .sum();
    println!(
        "stored {reports} reports, {total} deliveries in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Let the writer index and order everything, as in steady state.
    loop {
        let unindexed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM views WHERE id > (SELECT last_view FROM inbox_indexed) \
             OR id > (SELECT last_view FROM collection_indexed)",
        )
        .fetch_one(&state.db)
        .await
        .expect("count");
        if unindexed == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reader = tokens["tokyo@council"].clone();
    let reader_id: i64 = sqlx::query_scalar("SELECT member_id FROM tokens WHERE hash = $1")
        .bind(isac_host::api::hash_token(&reader))
        .fetch_one(&state.db)
        .await
        .expect("the reader");
    // A position halfway along the reader's collection.
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM collection_order WHERE member_id = $1")
            .bind(reader_id)
            .fetch_one(&state.db)
            .await
            .expect("rows");
    let middle: i64 = sqlx::query_scalar(
        "SELECT first_added FROM collection_order WHERE member_id = $1 ORDER BY last_added LIMIT 1 OFFSET $2",
    )
    .bind(reader_id)
    .bind(rows / 2)
    .fetch_one(&state.db)
    .await
    .expect("a middle row");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let base = format!("http://{}/api/v1", listener.local_addr().expect("address"));
    tokio::spawn(server::serve(listener, state));
    let client = reqwest::Client::new();
    let token = &reader;
    let page = get_json(&client, &format!("{base}/inbox?limit=50"), token).await;
    let first = page["items"][0]["delivery_id"]
        .as_i64()
        .expect("a delivery");
    println!(
        "first page (50 of the member's deliveries): {}",
        time_gets(&client, &format!("{base}/inbox?limit=50"), token).await
    );
    println!(
        "a page from the middle (cursor): {}",
        time_gets(
            &client,
            &format!("{base}/inbox?limit=50&cursor={middle}"),
            token
        )
        .await
    );
    println!(
        "one delivery (audit-logged read): {}",
        time_gets(&client, &format!("{base}/inbox/{first}"), token).await
    );
    let taxii = base.replace("/api/v1", "/taxii2/council");
    let collections = get_json(&client, &format!("{taxii}/collections/"), token).await;
    let inbox = collections["collections"][0]["id"]
        .as_str()
        .expect("the inbox");
    let objects = format!("{taxii}/collections/{inbox}/objects/?limit=100");
    println!(
        "TAXII: first page of 100 objects: {}",
        time_gets(&client, &objects, token).await
    );
    println!(
        "TAXII: a page of 100 objects from the middle (next): {}",
        time_gets(&client, &format!("{objects}&next={middle}"), token).await
    );
}
