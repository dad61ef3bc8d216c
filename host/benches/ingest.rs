//! Ingest load: a real HTTP client (reqwest, in a process of its own) posting
//! reports to a 300-member Council running the baseline plugin on SQLite, or on
//! a fresh PostgreSQL database when ISAC_TEST_DATABASE_URL names a server.
//! Prints reports/s and latency percentiles. `cargo bench -p isac-host --bench ingest`
//! (INGEST_SECONDS, default 10; INGEST_CLIENTS, default 32 closed-loop clients;
//! or INGEST_RATE=N for an open loop offering N reports/s).

use std::time::{Duration, Instant};

mod common;

use common::council;
use isac_host::server;
use serde_json::json;

/// Reports sent one by one before measuring.
const WARM_UP: u64 = 50;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Set in the load generator's process: the reports URL, the submitters'
/// tokens (comma-separated) and the seconds to run.
const LOAD_URL: &str = "INGEST_LOAD_URL";
const LOAD_TOKENS: &str = "INGEST_LOAD_TOKENS";

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match std::env::var(LOAD_URL) {
        Ok(url) => runtime.block_on(generate_load(url)),
        Err(_) => runtime.block_on(serve_and_measure()),
    }
}

/// Starts the server in this process and runs the load generator as another
/// process (this binary again), so the client's CPU is not the server's
/// runtime's: on two cores the two still compete, as they would on one host.
async fn serve_and_measure() {
    let data = tempfile::tempdir().expect("temp dir");
    let (state, tokens, council) = council(data.path(), 300).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let base = format!("http://{}/api/v1", listener.local_addr().expect("address"));
    tokio::spawn(server::serve(listener, state));

    let submitters: Vec<String> = [
        "tokyo@council",
        "sakura-bank@council",
        "nisc@council",
        "kanto-power@council",
    ]
    .iter()
    .map(|name| tokens[*name].clone())
    .collect();
    let client = reqwest::Client::new();
    let url = format!("{base}/communities/council/reports");
    // Warm up (the first report compiles the plugin and loads the roster), so the
    // figures are the steady state's.
    for n in 0..WARM_UP {
        post(&client, &url, &submitters[0], &body(u64::MAX, n))
            .await
            .expect("warm-up report");
    }
    println!("council members: {council}");
    let generator = std::env::current_exe().expect("this benchmark's path");
    let mut command = std::process::Command::new(generator);
    command
        .env(LOAD_URL, &url)
        .env(LOAD_TOKENS, submitters.join(","));
    // The server keeps running on this runtime while the generator works.
    let status = tokio::task::spawn_blocking(move || command.status())
        .await
        .expect("waiting for the load generator")
        .expect("the load generator starts");
    assert!(status.success(), "the load generator failed: {status}");
}

/// The load generator's process: sends reports for INGEST_SECONDS and prints
/// what it measured.
async fn generate_load(url: String) {
    let seconds = env_or("INGEST_SECONDS", 10);
    let clients = env_or("INGEST_CLIENTS", 32);
    let rate = env_or("INGEST_RATE", 0);
    let submitters: Vec<String> = std::env::var(LOAD_TOKENS)
        .expect("the submitters' tokens")
        .split(',')
        .map(str::to_string)
        .collect();
    let client = reqwest::Client::new();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let (latencies, failures) = if rate > 0 {
        open_loop(&client, &url, &submitters, rate, deadline).await
    } else {
        closed_loop(&client, &url, &submitters, clients, deadline).await
    };
    let mut latencies = latencies;
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    let load = if rate > 0 {
        format!("offered {rate} reports/s")
    } else {
        format!("clients: {clients}")
    };
    println!("load generator (a process of its own): {load}, duration: {elapsed:.1} s");
    println!("reports: {} ok, {failures} failed", latencies.len());
    println!(
        "throughput: {:.0} reports/s",
        latencies.len() as f64 / elapsed
    );
    println!(
        "latency ms: p50 {:.1}, p90 {:.1}, p99 {:.1}, max {:.1}",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

/// The `n`th report of a worker: one domain in five repeats, so dedup joins
/// existing cases too; one in three is AMBER.
fn body(worker: u64, n: u64) -> serde_json::Value {
    let domain = if n.is_multiple_of(5) {
        format!("shared-{}.example", n % 50)
    } else {
        format!("w{worker}-{n}.example")
    };
    json!({"title": format!("Report {worker}/{n}"), "body": "Phishing seen at Example Corp", "victim": "Example Corp",
           "tlp": if n.is_multiple_of(3) { "amber" } else { "green" }, "confidence": "unconfirmed",
           "indicators": [{"kind": "domain", "value": domain}, {"kind": "ipv4", "value": format!("198.51.100.{}", n % 250)}]})
}

/// Posts one report: whether it was answered 201 (the first failures are printed).
async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &serde_json::Value,
) -> Option<()> {
    static SHOWN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let failure = match client.post(url).bearer_auth(token).json(body).send().await {
        Ok(answer) if answer.status().as_u16() == 201 => return Some(()),
        Ok(answer) => format!(
            "{}: {}",
            answer.status(),
            answer.text().await.unwrap_or_default()
        ),
        Err(error) => format!("{error:?}"),
    };
    if SHOWN.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 3 {
        eprintln!("failed: {failure}");
    }
    None
}

/// `clients` workers, each sending its next report when the last is answered.
async fn closed_loop(
    client: &reqwest::Client,
    url: &str,
    submitters: &[String],
    clients: u64,
    deadline: Instant,
) -> (Vec<Duration>, u64) {
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let (client, url) = (client.clone(), url.to_string());
        let token = submitters[worker as usize % submitters.len()].clone();
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut failures) = (Vec::new(), 0u64);
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let started = Instant::now();
                match post(&client, &url, &token, &body(worker, n)).await {
                    Some(()) => latencies.push(started.elapsed()),
                    None => failures += 1,
                }
            }
            (latencies, failures)
        }));
    }
    let (mut latencies, mut failures) = (Vec::new(), 0);
    for task in tasks {
        let (l, f) = task.await.expect("client task");
        latencies.extend(l);
        failures += f;
    }
    (latencies, failures)
}

/// Reports sent at a fixed rate whatever the answers, each latency measured from
/// when it was due to be sent (so a stalled server cannot hide its stall by
/// slowing the client down).
async fn open_loop(
    client: &reqwest::Client,
    url: &str,
    submitters: &[String],
    rate: u64,
    deadline: Instant,
) -> (Vec<Duration>, u64) {
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut due = Instant::now();
    let mut tasks = Vec::new();
    let mut n = 0u64;
    while due < deadline {
        tokio::time::sleep_until(due.into()).await;
        n += 1;
        let (client, url) = (client.clone(), url.to_string());
        let token = submitters[n as usize % submitters.len()].clone();
        let sent_due = due;
        tasks.push(tokio::spawn(async move {
            post(&client, &url, &token, &body(0, n))
                .await
                .map(|()| sent_due.elapsed())
        }));
        due += interval;
    }
    let (mut latencies, mut failures) = (Vec::new(), 0);
    for task in tasks {
        match task.await.expect("client task") {
            Some(latency) => latencies.push(latency),
            None => failures += 1,
        }
    }
    (latencies, failures)
}
