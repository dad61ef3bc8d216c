//! isac-host processes for the tests that need the real binary: started on a
//! free port, logging to `DATA/isac-host.log`, stopped (SIGKILL) when dropped.

// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The database for a test's processes: a fresh PostgreSQL database when
/// ISAC_TEST_DATABASE_URL names a server, else `None` (the SQLite file in the
/// data directory).
pub async fn postgres_for_run(data: &Path) -> Option<String> {
    let url = isac_host::store::database_for_run(data).await.unwrap();
    isac_host::store::is_postgres(&url).then_some(url)
}

/// The file in the data directory that a node's standard error goes to.
pub const LOG: &str = "isac-host.log";

/// A running `isac-host demo` or `serve`.
pub struct Node {
    child: Child,
    pub base: String,
}

impl Node {
    pub fn start(command: &str, data: &Path, database_url: Option<&str>) -> Node {
        Node::start_with(command, data, database_url, &[])
    }

    /// [`Node::start`] with more arguments (limits such as `--deadline-ms`).
    pub fn start_with(
        command: &str,
        data: &Path,
        database_url: Option<&str>,
        extra: &[&str],
    ) -> Node {
        let port = free_port();
        let mut args = vec![
            command.to_string(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
            "--data".into(),
            data.display().to_string(),
        ];
        if let Some(url) = database_url {
            args.extend(["--database-url".into(), url.into()]);
        }
        args.extend(extra.iter().map(|arg| arg.to_string()));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data.join(LOG))
            .expect("a log file");
        let child = Command::new(env!("CARGO_BIN_EXE_isac-host"))
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("isac-host starts");
        Node {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits until the node answers an authenticated request.
    pub async fn wait_until_up(&self, client: &reqwest::Client, token: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = client
                .get(format!("{}/api/v1/communities", self.base))
                .bearer_auth(token)
                .send()
                .await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not come up at {}", self.base);
    }

    /// Sends the process a signal by name (`STOP`, `CONT`, `TERM`).
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{name}");
    }

    /// SIGTERM, and how the process ended, if it did within `patience`.
    pub fn terminate(&mut self, patience: Duration) -> Option<std::process::ExitStatus> {
        self.signal("TERM");
        let deadline = Instant::now() + patience;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGKILL, and wait for the process to end.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The tokens a demo node wrote to DATA/demo-credentials.json, once it has.
pub async fn demo_tokens(data: &Path) -> Value {
    let credentials = data.join("demo-credentials.json");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !credentials.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(&credentials).unwrap()).unwrap();
    document["tokens"].clone()
}

/// Runs an isac-host command to completion on `database` when it is a
/// PostgreSQL URL (passed as ISAC_DATABASE_URL), else on the SQLite file its
/// --data names.
pub fn run_on(database: &str, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_isac-host"));
    command.args(args).env_remove("ISAC_DATABASE_URL");
    if isac_host::store::is_postgres(database) {
        command.env("ISAC_DATABASE_URL", database);
    }
    command.output().expect("isac-host runs")
}
