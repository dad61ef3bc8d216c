//! What handing work to another thread costs on this machine: the floor under
//! every database statement, since sqlx runs each SQLite connection on a thread
//! of its own (and PostgreSQL on another process). Prints the round trip of a
//! message between two threads, and of `SELECT 1` from a task through the
//! store's pool (SQLite, or a fresh PostgreSQL database when
//! ISAC_TEST_DATABASE_URL names a server). Run it under `taskset -c 0` to see
//! the same on one CPU. `cargo bench -p isac-host --bench handoff`
//! (HANDOFF_ROUNDS, default 20000).

use std::sync::mpsc;
use std::time::Instant;

use isac_host::store;

fn rounds() -> u32 {
    std::env::var("HANDOFF_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// Mean microseconds for a message to go to another thread and come back.
fn thread_round_trip(rounds: u32) -> f64 {
    let (to_echo, echo_in) = mpsc::channel::<u32>();
    let (echo_out, back) = mpsc::channel::<u32>();
    let echo = std::thread::spawn(move || {
        for n in echo_in {
            if echo_out.send(n).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    for n in 0..rounds {
        to_echo.send(n).expect("the echo thread runs");
        back.recv().expect("the echo thread answers");
    }
    let mean = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
    drop(to_echo);
    echo.join().expect("the echo thread ends");
    mean
}

#[tokio::main]
async fn main() {
    let rounds = rounds();
    println!("thread round trip: {:>7.1} µs", thread_round_trip(rounds));
    let data = tempfile::tempdir().expect("temp dir");
    let url = store::database_for_run(data.path())
        .await
        .expect("database");
    let db = store::open(&url).await.expect("store");
    let statements = rounds / 4;
    let started = Instant::now();
    for _ in 0..statements {
        let one: i64 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&db)
            .await
            .expect("SELECT 1");
        assert_eq!(one, 1);
    }
    let mean = started.elapsed().as_secs_f64() * 1e6 / f64::from(statements);
    println!(
        "SELECT 1 round trip: {mean:>7.1} µs ({})",
        url.split(':').next().unwrap_or("")
    );
}
