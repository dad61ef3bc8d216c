//! `isac-host plugin new`: what it writes, and what it refuses (exit 2, one
//! line saying why). That the projects build and pass their fixtures is
//! `plugin_kit.rs`'s part.

use std::path::Path;
use std::process::{Command, Output};

fn plugin_new(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isac-host"))
        .args(["plugin", "new"])
        .args(args)
        .arg("--dir")
        .arg(dir)
        .output()
        .expect("isac-host runs")
}

#[test]
fn each_language_gets_source_sdk_dependency_fixtures_and_four_commands() {
    let cases = [
        (
            "rust",
            "baseline",
            "Cargo.toml",
            "isac-policy-sdk = \"0.1\"",
            7,
        ),
        ("rust", "financials", "src/lib.rs", "Financials", 4),
        ("rust", "give-and-take", "src/lib.rs", "free rider", 3),
        (
            "python",
            "baseline",
            "requirements.txt",
            "isac-policy-sdk==0.1.0",
            7,
        ),
        (
            "js",
            "baseline",
            "app.js",
            "'./node_modules/isac-policy-sdk/index.js'",
            7,
        ),
    ];
    for (lang, from, file, text, fixtures) in cases {
        let work = tempfile::tempdir().expect("temp dir");
        let dir = work.path().join("new-policy");
        let out = plugin_new(&dir, &["new-policy", "--lang", lang, "--from", from]);
        assert_eq!(out.status.code(), Some(0), "{lang} {from}: {out:?}");
        let written = std::fs::read_to_string(dir.join(file)).expect("written");
        assert!(written.contains(text), "{lang} {from}: {file} has {text:?}");
        let count = std::fs::read_dir(dir.join("fixtures"))
            .expect("fixtures")
            .count();
        assert_eq!(count, fixtures, "{lang} {from}: the reference's fixtures");
        let readme = std::fs::read_to_string(dir.join("README.md")).expect("a README");
        for command in ["plugin test", "plugin bench", "plugin push"] {
            assert!(readme.contains(command), "{lang}: README has {command}");
        }
        for placeholder in [
            "{name}",
            "{language}",
            "{from}",
            "{sdk}",
            "{setup}",
            "{build}",
            "{wasm}",
        ] {
            assert!(
                !readme.contains(placeholder),
                "{lang}: {placeholder} left in the README"
            );
        }
    }
}

#[test]
fn refusals_name_the_problem_and_exit_2() {
    let work = tempfile::tempdir().expect("temp dir");
    let taken = work.path().join("taken");
    std::fs::create_dir(&taken).expect("writable");
    std::fs::write(taken.join("keep.txt"), "mine").expect("writable");
    let cases: [(&[&str], &Path, &str); 3] = [
        (
            &["Bad_Name", "--lang", "rust"],
            work.path(),
            "`Bad_Name` is not a project name",
        ),
        (
            &["p", "--lang", "python", "--from", "financials"],
            &work.path().join("p"),
            "the financials reference policy exists only in Rust; in Python start from baseline",
        ),
        (
            &["p", "--lang", "js"],
            &taken,
            "already exists and is not empty",
        ),
    ];
    for (args, dir, reason) in cases {
        let out = plugin_new(dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(reason), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(taken.join("keep.txt")).expect("kept"),
        "mine"
    );
}
