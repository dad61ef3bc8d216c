//! An author's edit-build-test loop: `plugin test` keeps compiled components
//! between runs, and `--watch` runs the fixtures again on every change.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use isac_plugin_artifacts::BASELINE;

fn baseline_fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/baseline/fixtures")
}

fn copy_fixtures(to: &Path) {
    for entry in std::fs::read_dir(baseline_fixtures()).expect("fixtures exist") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, to.join(path.file_name().expect("a file"))).expect("copied");
    }
}

fn plugin_test(cache: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_isac-host"))
        .args(["plugin", "test", BASELINE, "--fixtures"])
        .arg(baseline_fixtures())
        .args(extra)
        .env("ISAC_CACHE_DIR", cache)
        .output()
        .expect("isac-host runs")
}

fn cached_files(cache: &Path) -> usize {
    std::fs::read_dir(cache).map_or(0, |entries| entries.count())
}

#[test]
fn test_keeps_the_compiled_component_for_the_next_run() {
    let cache = tempfile::tempdir().expect("temp dir");
    let off = plugin_test(cache.path(), &["--no-cache"]);
    assert_eq!(off.status.code(), Some(0));
    assert_eq!(cached_files(cache.path()), 0, "--no-cache keeps nothing");

    for run in ["compiles and stores", "loads from the cache"] {
        let out = plugin_test(cache.path(), &[]);
        assert_eq!(out.status.code(), Some(0), "{run}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.ends_with("7 passed, 0 failed\n"), "{run}: {text}");
        assert_eq!(
            cached_files(cache.path()),
            1,
            "{run}: one compiled component"
        );
    }
}

/// Lines of a child's stdout, as they come.
fn lines_of(child: &mut std::process::Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("piped");
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

fn wait_for(lines: &mpsc::Receiver<String>, wanted: &str) {
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line == wanted => return,
            Ok(line) => seen.push(line),
            Err(_) => panic!("no line {wanted:?} in:\n{}", seen.join("\n")),
        }
    }
}

#[test]
fn watch_runs_the_fixtures_again_when_one_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_fixtures(dir.path());
    let cache = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_isac-host"))
        .args(["plugin", "test", BASELINE, "--watch", "--fixtures"])
        .arg(dir.path())
        .env("ISAC_CACHE_DIR", cache.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("isac-host runs");
    let lines = lines_of(&mut child);
    wait_for(&lines, "7 passed, 0 failed");

    let edited = dir.path().join("03-window-setting.yaml");
    let text = std::fs::read_to_string(&edited).expect("readable");
    let wrong = text.replace("new_case: Scanner hitting VPN gateways", "join: case-3");
    assert_ne!(text, wrong, "the fixture has the expectation to edit");
    std::fs::write(&edited, wrong).expect("writable");
    wait_for(&lines, "6 passed, 1 failed");

    std::fs::write(&edited, text).expect("writable");
    wait_for(&lines, "7 passed, 0 failed");
    child.kill().expect("the watcher is running");
    child.wait().expect("it ends");
}
