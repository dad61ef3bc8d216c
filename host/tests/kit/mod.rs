//! What the plugin-kit test needs: commands whose output is in the failure
//! message, a demo server as a process, and the guide's shell blocks.

pub mod guide;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the workspace exists")
}

/// A command that must succeed; its output is in the panic when it does not.
pub struct Step(Command);

impl Step {
    pub fn new(program: impl AsRef<OsStr>) -> Step {
        Step(Command::new(program))
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Step {
        self.0.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Step {
        self.0.env(key, value);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Step {
        self.0.current_dir(dir);
        self
    }

    /// Runs it; its stdout when it exits 0.
    pub fn succeeds(mut self, what: &str) -> String {
        let out = self
            .0
            .output()
            .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{what}: {}\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}

pub fn isac_host(args: &[&str]) -> Step {
    Step::new(env!("CARGO_BIN_EXE_isac-host")).args(args)
}

/// `isac-host demo` on a free port, stopped when dropped.
pub struct DemoServer {
    child: Child,
    pub url: String,
    pub operator: String,
}

impl DemoServer {
    pub fn start(data: &Path) -> DemoServer {
        let child = Command::new(env!("CARGO_BIN_EXE_isac-host"))
            .args(["demo", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the demo starts");
        let credentials = data.join("demo-credentials.json");
        let started = Instant::now();
        let document: serde_json::Value = loop {
            if let Some(document) = std::fs::read_to_string(&credentials)
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok())
            {
                break document;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the demo wrote no credentials"
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        DemoServer {
            child,
            url: document["base_url"].as_str().expect("a base URL").into(),
            operator: document["tokens"]["operator@council"]
                .as_str()
                .expect("the Council operator's token")
                .into(),
        }
    }

    /// `plugin versions` of a community, as JSON.
    pub fn versions(&self, community: &str) -> serde_json::Value {
        let out = isac_host(&["plugin", "versions", "--community", community])
            .env("ISAC_SERVER", &self.url)
            .env("ISAC_TOKEN", &self.operator)
            .succeeds("plugin versions");
        serde_json::from_str(&out).expect("versions prints JSON")
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
