//! What the plugin-kit tests share: running commands with their output in the
//! failure message, packing the three SDKs, and a demo server as a process.

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

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Step {
        self.0.arg(arg);
        self
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

/// Each SDK as a user receives it.
pub struct PackedSdks {
    /// The unpacked `.crate` of `cargo package`.
    pub rust: PathBuf,
    /// The wheel of `pip wheel`.
    pub python: PathBuf,
    /// The tarball of `npm pack`.
    pub js: PathBuf,
}

pub fn pack_sdks(work: &Path) -> PackedSdks {
    let root = workspace();
    let packages = work.join("packages");
    std::fs::create_dir_all(&packages).expect("writable");
    // --no-verify: building the unpacked crate is what the Rust project does next.
    Step::new(env!("CARGO"))
        .args([
            "package",
            "-p",
            "isac-policy-sdk",
            "--no-verify",
            "--allow-dirty",
        ])
        .arg("--target-dir")
        .arg(work.join("package-target"))
        .current_dir(&root)
        .succeeds("cargo package");
    let crate_file = work.join("package-target/package/isac-policy-sdk-0.1.0.crate");
    Step::new("tar")
        .arg("xzf")
        .arg(&crate_file)
        .arg("-C")
        .arg(&packages)
        .succeeds("unpack the .crate");

    let pip = root.join("target/plugins/polyglot/tools/venv/bin/pip");
    Step::new(&pip)
        .args([
            "wheel",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "-w",
        ])
        .arg(&packages)
        .arg(root.join("plugins/sdk-py"))
        .succeeds("pip wheel (needs plugins/polyglot/build.sh's venv)");

    Step::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(&packages)
        .arg(root.join("plugins/sdk-js"))
        .succeeds("npm pack");

    PackedSdks {
        rust: packages.join("isac-policy-sdk-0.1.0"),
        python: packages.join("isac_policy_sdk-0.1.0-py3-none-any.whl"),
        js: packages.join("isac-policy-sdk-0.1.0.tgz"),
    }
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

    fn step(&self, args: &[&str]) -> Step {
        isac_host(args)
            .env("ISAC_SERVER", &self.url)
            .env("ISAC_TOKEN", &self.operator)
    }

    /// Pushes to the Council (staged); the version number.
    pub fn push(&self, wasm: &Path) -> i64 {
        let out = self
            .step(&["plugin", "push"])
            .arg(wasm)
            .args(["--community", "council"])
            .succeeds("plugin push");
        let version: serde_json::Value = serde_json::from_str(&out).expect("push prints JSON");
        assert_eq!(version["status"], "staged", "{out}");
        version["id"].as_i64().expect("a version number")
    }

    pub fn shadow(&self, version: i64) {
        let out = self
            .step(&[
                "plugin",
                "shadow",
                &version.to_string(),
                "--community",
                "council",
            ])
            .succeeds("plugin shadow");
        let answer: serde_json::Value = serde_json::from_str(&out).expect("shadow prints JSON");
        assert_eq!(answer["status"], "shadow", "{out}");
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
