//! Restart with 50 stored policy versions (distinct plugins) in the Council: time
//! from opening the data directory (migrations, every stored version loaded) to
//! the first answered request, cold (compiling each plugin) and warm (from the
//! compiled cache in DATA/cache). `cargo bench -p isac-host --bench restart`
//! (RESTART_VERSIONS, default 50). Also prints the process's resident memory
//! before the restart and once serving with every version loaded.

use std::path::Path;
use std::time::{Duration, Instant};

use isac_host::runtime::Digest;
use isac_host::{demo, registry, server, store};

/// A distinct, still valid component: the plugin with a custom section appended.
fn variant(plugin: &[u8], n: u64) -> Vec<u8> {
    let name = b"isac-bench-variant";
    let payload = n.to_le_bytes();
    let mut content = leb128(name.len() as u64);
    content.extend_from_slice(name);
    content.extend_from_slice(&payload);
    let mut bytes = plugin.to_vec();
    bytes.push(0);
    bytes.extend(leb128(content.len() as u64));
    bytes.extend(content);
    bytes
}

fn leb128(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

async fn seed(data: &Path, versions: u64) -> String {
    let state = server::state_in(data, &store::sqlite_url(data), Default::default())
        .await
        .expect("state");
    let tokens = demo::seed(&state.db).await.expect("seed");
    let (_, baseline) = isac_plugin_artifacts::REFERENCE_PLUGINS
        .iter()
        .find(|(name, _)| *name == "baseline")
        .expect("the baseline plugin");
    let mut conn = state.db.acquire().await.expect("connection");
    for n in 0..versions {
        let bytes = variant(baseline, n);
        let digest = Digest::of(&bytes).hex();
        sqlx::query("INSERT INTO plugins (digest, bytes, uploaded_by, uploaded_at) VALUES ($1, $2, 'bench', $3)")
            .bind(&digest)
            .bind(bytes)
            .bind(store::now())
            .execute(&mut *conn)
            .await
            .expect("plugin stored");
        registry::stage(&mut conn, "council", &digest, "{}", "0.1.0", "bench")
            .await
            .expect("version staged");
    }
    tokens["secretariat"].clone()
}

/// Opens the data directory, serves it, and times until a request is answered.
async fn time_to_serving(data: &Path, token: &str) -> Duration {
    let started = Instant::now();
    let state = server::state_in(data, &store::sqlite_url(data), Default::default())
        .await
        .expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let url = format!(
        "http://{}/api/v1/communities",
        listener.local_addr().expect("address")
    );
    tokio::spawn(server::serve(listener, state));
    let answer = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("answered");
    assert!(answer.status().is_success(), "{}", answer.status());
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let versions: u64 = std::env::var("RESTART_VERSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let data = tempfile::tempdir().expect("temp dir");
    let token = seed(data.path(), versions).await;
    let cache = data.path().join("cache");
    std::fs::remove_dir_all(&cache).ok();
    let before = resident_mib();
    let cold = time_to_serving(data.path(), &token).await;
    let loaded = resident_mib();
    let cached = std::fs::read_dir(&cache).map(|d| d.count()).unwrap_or(0);
    let mut warm: Vec<Duration> = Vec::new();
    for _ in 0..5 {
        warm.push(time_to_serving(data.path(), &token).await);
    }
    warm.sort();
    println!(
        "restart with {versions} stored versions ({cached} compiled files cached): cold {:.2} s, warm median {:.3} s (min {:.3} s, max {:.3} s)",
        cold.as_secs_f64(),
        warm[warm.len() / 2].as_secs_f64(),
        warm[0].as_secs_f64(),
        warm[warm.len() - 1].as_secs_f64()
    );
    println!(
        "resident memory of the process: {before:.0} MiB before the restart, {loaded:.0} MiB once serving with {} versions loaded",
        versions + 3
    );
}

/// This process's resident set (VmRSS), in MiB.
fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
