//! Fixtures say what they mean: the guide's example passes as written, and the
//! shipped JSON Schema (`docs/fixture.schema.json`) accepts every fixture the
//! parser accepts in this repository, and refuses the mistakes it refuses.
//! The schema is checked with Python's `jsonschema` (installed by
//! `scripts/test` with the OASIS tools) and PyYAML.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The first YAML block of the guide's `## Fixtures` section.
fn guide_example() -> String {
    let guide = std::fs::read_to_string(workspace().join("docs/writing-plugins.md"))
        .expect("the guide exists");
    let section = &guide[guide.find("\n## Fixtures\n").expect("a Fixtures section")..];
    let start = section.find("```yaml\n").expect("a YAML example") + 8;
    let end = section[start..].find("```").expect("it ends") + start;
    section[start..end].to_string()
}

#[test]
fn the_guides_example_fixture_passes_as_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("example.yaml"), guide_example()).expect("writable");
    let out = Command::new(env!("CARGO_BIN_EXE_isac-host"))
        .args(["plugin", "test", "baseline", "--no-cache", "--fixtures"])
        .arg(dir.path())
        .output()
        .expect("isac-host runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.ends_with("1 passed, 0 failed\n"), "{text}");
}

/// Validates each (name, YAML text) against the schema; the names refused.
fn refused_by_schema(documents: &[(String, String)]) -> Vec<String> {
    const SCRIPT: &str = r#"
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema)
for name, text in json.load(sys.stdin):
    # YAML timestamps become strings, as in the host's parser.
    document = yaml.safe_load(text)
    document = json.loads(json.dumps(document, default=str))
    if list(validator.iter_errors(document)):
        print(name)
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(workspace().join("docs/fixture.schema.json"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let input = serde_json::to_vec(documents).expect("JSON");
    std::io::Write::write_all(&mut child.stdin.take().expect("piped"), &input).expect("written");
    let out = child.wait_with_output().expect("it ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "python3 with jsonschema and PyYAML (scripts/test installs them): {stderr}"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn the_schema_accepts_every_fixture_and_refuses_mistakes() {
    let mut documents = vec![("the guide's example".to_string(), guide_example())];
    for plugin in ["baseline", "financials", "give-and-take"] {
        let dir = workspace().join("plugins").join(plugin).join("fixtures");
        for entry in std::fs::read_dir(&dir).expect("fixtures exist") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("readable");
            documents.push((path.display().to_string(), text));
        }
    }
    assert_eq!(refused_by_schema(&documents), Vec::<String>::new());

    let example = guide_example();
    let mistakes: Vec<(String, String)> = [
        ("tlp: green ", "tlp: orange "),
        ("  submitter: 1\n", "  submitter: one\n"),
        ("  id: r-100\n", "  id: r-100\n  colour: red\n"),
        ("expect:", "expected:"),
    ]
    .iter()
    .map(|(from, to)| {
        assert!(example.contains(from), "the example has {from:?}");
        (format!("{from:?} -> {to:?}"), example.replacen(from, to, 1))
    })
    .collect();
    let names: Vec<String> = mistakes.iter().map(|(name, _)| name.clone()).collect();
    assert_eq!(refused_by_schema(&mistakes), names);
}
