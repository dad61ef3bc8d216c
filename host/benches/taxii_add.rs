//! Bulk adds: 2,000 STIX indicators posted as envelopes of 100, one after the
//! other as a feed-sync job (taxii2-client's `add_objects`) sends them, to the
//! TAXII `submissions` collection of the demo Council (or one filled up to
//! TAXII_ADD_MEMBERS members) running the baseline plugin; then the same as
//! bundles to `POST /api/v1/communities/council/stix`. SQLite, or a fresh
//! PostgreSQL database when ISAC_TEST_DATABASE_URL names a server. Prints
//! objects/s for each. `cargo bench -p isac-host --bench taxii_add`
//! (TAXII_ADD_OBJECTS, default 2000; TAXII_ADD_PER_POST, default 100).

use std::time::Instant;

mod common;

use common::council;
use futures_util::StreamExt;
use isac_host::server;
use serde_json::{Value, json};

const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Indicator `n` of run `run`: a domain of its own, every tenth one shared.
fn indicator(run: usize, n: usize) -> Value {
    let domain = if n.is_multiple_of(10) {
        format!("shared-{}.example", n % 70)
    } else {
        format!("r{run}-{n}.example")
    };
    json!({"type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{:08x}-0000-4000-8000-{:012x}", run, n),
        "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
        "pattern": format!("[domain-name:value = '{domain}']"), "pattern_type": "stix",
        "valid_from": "2026-12-01T00:00:00Z", "confidence": 80, "object_marking_refs": [GREEN]})
}

/// Posts `total` indicators in posts of `per_post`; returns objects/s.
async fn run(
    client: &reqwest::Client,
    token: &str,
    url: &str,
    taxii: bool,
    run: usize,
    total: usize,
    per_post: usize,
) -> f64 {
    let objects: Vec<Value> = (0..total).map(|n| indicator(run, n)).collect();
    let in_flight = env_or("TAXII_ADD_IN_FLIGHT", 1).max(1);
    let started = Instant::now();
    let posts = objects.chunks(per_post).map(|chunk| async move {
        let (body, media, expected) = if taxii {
            let body = json!({ "objects": chunk });
            (body, "application/taxii+json;version=2.1", 202)
        } else {
            let body = json!({ "type": "bundle", "id": format!("bundle--{:08x}-0000-4000-8000-000000000000", run),
                               "objects": chunk });
            (body, "application/json", 201)
        };
        let answer = client
            .post(url)
            .bearer_auth(token)
            .header("content-type", media)
            .header("accept", "application/taxii+json;version=2.1")
            .body(body.to_string())
            .send()
            .await
            .expect("the server answers");
        let status = answer.status().as_u16();
        let answer: Value = answer.json().await.expect("a JSON answer");
        assert_eq!(status, expected, "{answer}");
        if taxii {
            assert_eq!(answer["success_count"], chunk.len(), "{answer}");
        }
    });
    futures_util::stream::iter(posts)
        .buffer_unordered(in_flight)
        .collect::<Vec<()>>()
        .await;
    total as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let total = env_or("TAXII_ADD_OBJECTS", 2000);
    let per_post = env_or("TAXII_ADD_PER_POST", 100);
    let data = tempfile::tempdir().expect("temp dir");
    let members = env_or("TAXII_ADD_MEMBERS", 0);
    let (state, tokens, council) = council(data.path(), members as i64).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let db = state.db.clone();
    tokio::spawn(server::serve(listener, state));
    let client = reqwest::Client::new();
    let token = &tokens["sakura-bank@council"];
    let collections: Value = client
        .get(format!("{base}/taxii2/council/collections/"))
        .bearer_auth(token)
        .send()
        .await
        .expect("collections")
        .json()
        .await
        .expect("collections as JSON");
    let submissions = collections["collections"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["can_write"] == true))
        .and_then(|c| c["id"].as_str())
        .expect("a writable collection");
    let taxii = format!("{base}/taxii2/council/collections/{submissions}/objects/");
    let rest = format!("{base}/api/v1/communities/council/stix");
    // Warm up: the first report compiles the plugin and loads the roster.
    run(&client, token, &taxii, true, 0, per_post, per_post).await;
    println!("{council} Council members; {total} indicators in posts of {per_post}");
    let rate = run(&client, token, &taxii, true, 1, total, per_post).await;
    println!("TAXII add:         {rate:>8.0} objects/s");
    let rate = run(&client, token, &rest, false, 2, total, per_post).await;
    println!("POST .../stix:     {rate:>8.0} objects/s");
    let rate = run(&client, token, &taxii, true, 1, total, per_post).await;
    println!("TAXII add again:   {rate:>8.0} objects/s (every object a duplicate)");
    let mean: f64 =
        sqlx::query_scalar("SELECT CAST(AVG(duration_us) AS DOUBLE PRECISION) FROM decisions")
            .fetch_one(&db)
            .await
            .expect("decisions");
    println!("plugin evaluation: {mean:>8.0} µs per report (mean, from the decision log)");
}
