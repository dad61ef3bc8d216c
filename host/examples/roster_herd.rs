//! The roster rebuild after a membership change, under concurrent submissions:
//! with ROSTER_REPORTS (default 25,000) stored reports, a member is suspended
//! and reinstated (each change drops the cached roster), then eight reports
//! are submitted at once; prints each submission's latency, per round, and the
//! same eight submissions with the roster cached as a baseline.
//! `cargo run -p isac-host --example roster_herd` (PostgreSQL when
//! ISAC_TEST_DATABASE_URL names a server). A test program, not a benchmark: it
//! runs in the dev profile, where the dependencies (SQLite, sqlx) are optimised.

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use serde_json::json;

const CONCURRENT: usize = 8;
const ROUNDS: usize = 5;

/// Stores `count` confirmed reports of `member` directly, as if submitted over time.
async fn store_reports(db: &isac_host::store::AnyPool, member: i64, count: i64) {
    let organisation: i64 = sqlx::query_scalar("SELECT organisation_id FROM members WHERE id = $1")
        .bind(member)
        .fetch_one(db)
        .await
        .expect("the member's organisation");
    sqlx::query(
        "INSERT INTO reports (id, community_id, submitter, organisation, submitted_at, tlp, confidence, original, status) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         SELECT 'bench-' || CAST(i AS TEXT), 'council', $2, $3, $4 - i, 'green', 'confirmed', '{}', 'delivered' FROM n",
    )
    .bind(count)
    .bind(member)
    .bind(organisation)
    .bind(isac_host::store::now())
    .execute(db)
    .await
    .expect("reports stored");
}

/// Submits CONCURRENT reports at once; their latencies, ascending.
async fn herd(client: &reqwest::Client, base: &str, token: &str, round: &str) -> Vec<Duration> {
    let submissions = (0..CONCURRENT).map(|n| {
        let body = json!({"title": format!("herd {round} {n}"), "tlp": "green", "confidence": "confirmed",
                          "indicators": [{"kind": "domain", "value": format!("herd-{round}-{n}.example")}]});
        async move {
            let started = Instant::now();
            let reply = client
                .post(format!("{base}/api/v1/communities/council/reports"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("answered");
            assert!(reply.status().is_success(), "{}", reply.status());
            started.elapsed()
        }
    });
    let mut latencies = futures_util::future::join_all(submissions).await;
    latencies.sort();
    latencies
}

fn show(latencies: &[Duration]) -> String {
    let ms: Vec<String> = latencies
        .iter()
        .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
        .collect();
    format!("[{}] ms", ms.join(", "))
}

#[tokio::main]
async fn main() {
    let reports: i64 = std::env::var("ROSTER_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25_000);
    let data = tempfile::tempdir().expect("temp dir");
    let (state, tokens, _) = common::council(data.path(), 0).await;
    let member = |name: &str| {
        let hash = isac_host::api::hash_token(&tokens[name]);
        let db = state.db.clone();
        async move {
            isac_host::store::scalar_i64(&db, "SELECT member_id FROM tokens WHERE hash = $1", &hash)
                .await
                .expect("member id")
        }
    };
    let (tokyo, kanto) = (
        member("tokyo@council").await,
        member("kanto-power@council").await,
    );
    store_reports(&state.db, tokyo, reports).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(isac_host::server::serve(listener, state));
    let client = reqwest::Client::new();
    let (submitter, committee) = (
        &tokens["sakura-bank@council"],
        &tokens["steering_committee"],
    );
    herd(&client, &base, submitter, "warm-up").await;
    println!("{reports} stored reports, {CONCURRENT} concurrent submissions per round");
    for round in 0..ROUNDS {
        let cached = herd(&client, &base, submitter, &format!("cached-{round}")).await;
        for step in ["suspend", "reinstate"] {
            let reply = client
                .post(format!("{base}/api/v1/members/{kanto}/{step}"))
                .bearer_auth(committee)
                .json(&json!({"reason": "bench"}))
                .send()
                .await
                .expect("answered");
            assert!(reply.status().is_success(), "{step}: {}", reply.status());
        }
        let changed = herd(&client, &base, submitter, &format!("changed-{round}")).await;
        println!(
            "round {round}: roster cached {}; after suspend+reinstate {}",
            show(&cached),
            show(&changed)
        );
    }
}
