//! The `isac-host plugin` commands, run as a process: exit codes and what they print.

use std::path::Path;
use std::process::{Command, Output};

use isac_plugin_artifacts::{
    BASELINE, EDITED_CONTRACT, FINANCIALS, FOREIGN_CONTRACT, GIVE_AND_TAKE,
};

mod common;

use common::run_on;

fn isac_host(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isac-host"))
        .args(args)
        .output()
        .expect("isac-host runs")
}

fn fixtures(plugin: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins")
        .join(plugin)
        .join("fixtures")
        .display()
        .to_string()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn every_reference_plugin_passes_its_fixtures() {
    for (wasm, name, count) in [
        (BASELINE, "baseline", 7),
        (FINANCIALS, "financials", 4),
        (GIVE_AND_TAKE, "give-and-take", 3),
    ] {
        let out = isac_host(&["plugin", "test", wasm, "--fixtures", &fixtures(name)]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}:\n{}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(
            stdout(&out).ends_with(&format!("{count} passed, 0 failed\n")),
            "{name}:\n{}",
            stdout(&out)
        );
    }
}

/// Runs `plugin test` on a copy of the baseline fixtures with one edit in `file`.
fn test_with_edited_fixture(file: &str, from: &str, to: &str) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(fixtures("baseline")).expect("fixtures exist") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("a file"))).expect("copied");
    }
    let edited = dir.path().join(file);
    let text = std::fs::read_to_string(&edited).expect("readable");
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&edited, text.replace(from, to)).expect("writable");
    let dir_arg = dir.path().display().to_string();
    isac_host(&["plugin", "test", BASELINE, "--fixtures", &dir_arg])
}

#[test]
fn a_wrong_expectation_fails_with_a_diff() {
    let out = test_with_edited_fixture(
        "03-window-setting.yaml",
        "new_case: Scanner hitting VPN gateways",
        "join: case-3",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("FAIL 03-window-setting"), "{text}");
    assert!(
        text.contains("--- expected correlation\n    +++ actual correlation"),
        "{text}"
    );
    assert!(
        text.contains("-join: case-3") && text.contains("+new_case: Scanner hitting VPN gateways"),
        "{text}"
    );
    assert!(text.ends_with("6 passed, 1 failed\n"), "{text}");
}

#[test]
fn a_broken_fixture_file_exits_2_naming_file_and_field() {
    let out = test_with_edited_fixture(
        "04-amber-stays-in-community.yaml",
        "tlp: amber",
        "tlp: orange",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "04-amber-stays-in-community.yaml:12: field `report.tlp`: unknown value `orange`, \
             expected one of `clear`, `green`, `amber`, `amber_strict`, `amber+strict`, `red`\n"
        ),
        "{err}"
    );
}

/// JSON fixtures are checked against the schema too: an unknown field deep in
/// a list is named with its line, and the file is unusable (exit 2).
#[test]
fn a_json_fixture_mistake_exits_2_naming_line_and_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = r#"{
  "report": {
    "id": "r-1", "submitter": 1, "submitter_organisation": 10,
    "submitted_at": "2026-05-11T08:59:00Z", "title": "t",
    "tlp": "green", "confidence": "suspicion"
  },
  "audience": [
    {"id": 1, "organisation": 10, "organisation_kind": "academic", "sector": "education"},
    {"id": 2, "organisation": 20, "organisation_kind": "academic",
     "sector": "education", "clas": "general"}
  ],
  "expect": {}
}
"#;
    let file = dir.path().join("01-json.json");
    std::fs::write(&file, text).expect("writable");
    let dir_arg = dir.path().display().to_string();
    let out = isac_host(&["plugin", "test", BASELINE, "--fixtures", &dir_arg]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:10: field `audience[1].clas`: unknown field `clas`, expected one of `class`, \
             `contribution`, `id`, `in_community`, `organisation`, `organisation_kind`, `sector`\n",
            file.display()
        )),
        "{err}"
    );
}

#[test]
fn unusable_plugins_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let not_wasm = dir.path().join("policy.wasm");
    std::fs::write(&not_wasm, "not a plugin").expect("writable");
    let core = dir.path().join("core.wasm");
    std::fs::write(&core, wat::parse_str("(module)").expect("valid wat")).expect("writable");
    let cases = [
        (not_wasm.display().to_string(), "not a WebAssembly file"),
        (
            core.display().to_string(),
            "a core WebAssembly module, not a component",
        ),
        (
            FOREIGN_CONTRACT.to_string(),
            "implements isac:policy@1.0.0; this host supports isac:policy@0.1.x",
        ),
        // Built against an edited WIT that kept the number 0.2.0: named, not loaded.
        (
            EDITED_CONTRACT.to_string(),
            "isac:policy/policy@0.2.0#fingerprints differs from the contract \
             isac:policy@0.2.0 in the type `indicator`: field `first-seen` is not in the contract",
        ),
        (
            dir.path().join("missing.wasm").display().to_string(),
            "missing.wasm: cannot read",
        ),
    ];
    for (file, reason) in cases {
        for command in ["test", "inspect"] {
            let mut args = vec!["plugin", command, file.as_str()];
            let fixtures = fixtures("baseline");
            if command == "test" {
                args.extend(["--fixtures", fixtures.as_str()]);
            }
            let out = isac_host(&args);
            assert_eq!(out.status.code(), Some(2), "{command} {file}");
            let err = stderr(&out);
            assert!(
                err.contains(&file) && err.contains(reason),
                "{command} {file}: {err}"
            );
            // One line a person reads, not a dump of the parser's state.
            assert_eq!(err.trim_end().lines().count(), 1, "{command} {file}: {err}");
        }
    }
}

#[test]
fn output_piped_into_a_reader_that_stops_early_ends_quietly() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_isac-host"))
        .args(["plugin", "inspect", "baseline"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("isac-host starts");
    // Read nothing and close the pipe, as `| head -0` does.
    drop(child.stdout.take());
    let status = child.wait().expect("it ends");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(status.code(), Some(101), "{err}");
}

#[test]
fn help_lists_only_the_flags_a_command_takes_each_explained() {
    let test = stdout(&isac_host(&["plugin", "test", "--help"]));
    assert!(
        !test.contains("--server") && !test.contains("--token"),
        "{test}"
    );
    let push = stdout(&isac_host(&["plugin", "push", "--help"]));
    for flag in [
        "--community <COMMUNITY>  The community",
        "--server <SERVER>  ",
        "--token <TOKEN>  ",
    ] {
        assert!(push.contains(flag), "{flag} in {push}");
    }
    let replay = stdout(&isac_host(&["plugin", "replay", "--help"]));
    assert!(
        replay.contains("The community whose stored reports are replayed"),
        "{replay}"
    );
}

#[test]
fn explain_says_what_each_member_receives_and_which_selector_chose_it() {
    let dir = fixtures("baseline");
    let out = isac_host(&["plugin", "test", BASELINE, "--fixtures", &dir, "--explain"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    // 05: a suspicion reaches the submitter's organisation and the task force.
    let suspicion: Vec<&str> = text
        .split("PASS ")
        .find(|part| part.starts_with("05-suspicion-task-force-only"))
        .expect("fixture 05 ran")
        .lines()
        .skip(1)
        .map(str::trim)
        .collect();
    assert_eq!(
        suspicion,
        [
            "member 1 (organisation 10): view 0, 0 redaction(s), after 0 s; the plugin's group 0 chooses it",
            "member 3 (organisation 30): nothing; no selector chooses it",
            "member 5 (organisation 50): view 0, 0 redaction(s), after 0 s; the plugin's group 1 chooses it",
            "member 6 (organisation 60): view 0, 0 redaction(s), after 0 s; the plugin's group 1 chooses it",
        ]
    );
}

#[test]
fn inspect_shows_contract_exports_size_and_digest() {
    let out = isac_host(&["plugin", "inspect", BASELINE]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let bytes = std::fs::read(BASELINE).expect("built");
    assert!(text.contains("contract: isac:policy@0.2.0\n"), "{text}");
    assert!(
        text.contains(&format!("size:     {} bytes\n", bytes.len())),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "sha256:   {}\n",
            isac_host::runtime::Digest::of(&bytes).hex()
        )),
        "{text}"
    );
    assert!(
        text.contains("exports:\n  isac:policy/policy@0.2.0\n"),
        "{text}"
    );
}

#[test]
fn bench_reports_every_stage() {
    let out = isac_host(&[
        "plugin",
        "bench",
        BASELINE,
        "--fixtures",
        &fixtures("baseline"),
        "--iterations",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("6 fixture(s) x 3 evaluations"), "{text}");
    for stage in [
        "instantiate",
        "fingerprints",
        "correlate",
        "route",
        "evaluation",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(stage) && l.split_whitespace().count() == 4),
            "{stage}: {text}"
        );
    }
}

#[test]
fn reference_plugins_are_built_in_by_name() {
    let out = isac_host(&[
        "plugin",
        "test",
        "baseline",
        "--fixtures",
        &fixtures("baseline"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = isac_host(&["plugin", "inspect", "no-such-plugin"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("nor is it a built-in plugin: baseline, financials, give-and-take"),
        "{err}"
    );
}

/// A database in `dir` whose audit chain has three entries (three tokens
/// issued on the command line); its URL, the data directory and a runtime.
fn chain_of_three(dir: &Path) -> (String, String, tokio::runtime::Runtime) {
    let data = dir.display().to_string();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let database = runtime
        .block_on(isac_host::store::database_for_run(dir))
        .expect("a database");
    for role in ["secretariat", "steering_committee", "secretariat"] {
        let out = run_on(&database, &["token", "--data", &data, "--role", role]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).starts_with("isac_"));
    }
    (database, data, runtime)
}

#[test]
fn audit_verify_exits_1_naming_the_altered_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, data, runtime) = chain_of_three(dir.path());
    let out = run_on(&database, &["audit", "verify", "--data", &data]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "audit log intact: 3 entries\n".to_string())
    );

    runtime.block_on(async {
        let db = isac_host::store::open(&database).await.expect("opens");
        isac_host::store::scalar_i64(
            &db,
            "UPDATE audit_log SET actor = $1 WHERE seq = 2 RETURNING seq",
            "someone else",
        )
        .await
        .expect("tampered");
    });
    let out = run_on(&database, &["audit", "verify", "--data", &data]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "audit log broken at entry 2: its content does not match its hash\n"
    );
}

#[test]
fn audit_verify_with_a_checkpoint_exits_1_when_the_chain_was_cut_after_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, data, runtime) = chain_of_three(dir.path());
    let saved = dir.path().join("checkpoint.json");
    runtime.block_on(async {
        let db = isac_host::store::open(&database).await.expect("opens");
        let mut conn = db.acquire().await.expect("a connection");
        let key = isac_host::store::AuditKey::generate();
        let checkpoint = isac_host::store::checkpoint::cut(&mut conn, &key)
            .await
            .expect("signed")
            .expect("a new checkpoint");
        std::fs::write(&saved, serde_json::to_string(&checkpoint).unwrap()).expect("saved");
    });
    let checkpoint = saved.display().to_string();
    let verify = [
        "audit",
        "verify",
        "--data",
        &data,
        "--checkpoint",
        &checkpoint,
    ];
    let out = run_on(&database, &verify);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (
            Some(0),
            "audit log intact: 3 entries, holding the checkpoint at 3\n".to_string()
        )
    );

    runtime.block_on(async {
        let db = isac_host::store::open(&database).await.expect("opens");
        isac_host::store::scalar_i64(
            &db,
            "DELETE FROM audit_log WHERE seq = CAST($1 AS INTEGER) RETURNING seq",
            "3",
        )
        .await
        .expect("cut");
    });
    // The chain alone is intact; the checkpoint shows what is missing.
    let out = run_on(&database, &["audit", "verify", "--data", &data]);
    assert_eq!(out.status.code(), Some(0));
    let out = run_on(&database, &verify);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "audit log fails the checkpoint: the chain was truncated: 2 entries, the checkpoint signed 3\n"
    );
    std::fs::write(&saved, "{}").expect("overwritten");
    let out = run_on(&database, &verify);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not an audit checkpoint"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn vacuum_rewrites_the_sqlite_file_and_says_why_it_cannot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().display().to_string();
    let file = dir.path().join("isac.db").display().to_string();
    // SQLite whichever pass this is: the command works on --data alone.
    let sqlite = "sqlite://";
    let out = run_on(sqlite, &["vacuum", "--data", &data]);
    assert_eq!(
        (out.status.code(), stderr(&out)),
        (Some(1), format!("error: {file}: no database here\n"))
    );

    let out = run_on(sqlite, &["token", "--data", &data, "--role", "secretariat"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run_on(sqlite, &["vacuum", "--data", &data]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.starts_with(&format!("{file}: 8192 -> 8192 byte pages, "))
            && said.ends_with(" bytes\n"),
        "{said}"
    );

    let postgres = "postgres://postgres@127.0.0.1:5432/test";
    let out = run_on(
        sqlite,
        &["vacuum", "--data", &data, "--database-url", postgres],
    );
    assert_eq!(
        (out.status.code(), stderr(&out)),
        (
            Some(2),
            "error: --database-url: `vacuum` works on the SQLite file in --data, not on PostgreSQL\n"
                .to_string()
        )
    );
}
