//! The baseline policy written in Python and in JavaScript: each passes the Rust
//! baseline's fixtures, decides exactly what the Rust baseline decides on inputs
//! the fixtures do not cover, and runs in the real server like any uploaded plugin.
//!
//! The components are built by `plugins/polyglot/build.sh` (the README's test
//! command, `scripts/test`, runs it first); without them these tests fail, naming
//! that command, rather than skip.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use isac_host::fixture::{load_dir, run_fixture};
use isac_host::model::{Confidence, Member, Tlp};
use isac_host::runtime::{DecisionInput, Fault, Plugin, PolicyRuntime, RuntimeLimits, decide};
use isac_tests::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const LANGUAGES: [&str; 2] = ["baseline_py", "baseline_js"];

fn workspace(path: &str) -> PathBuf {
    Path::new(WORKSPACE).join(path)
}

/// The bytes of a built polyglot plugin; a clear failure when it was not built.
fn artefact(name: &str) -> Vec<u8> {
    let path = workspace(&format!("target/plugins/polyglot/{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. Build the Python and JavaScript plugins first with \
             `nice -n 19 plugins/polyglot/build.sh` (scripts/test does it before cargo test)",
            path.display()
        )
    })
}

fn load(runtime: &PolicyRuntime, bytes: &[u8]) -> Arc<Plugin> {
    runtime
        .load(bytes)
        .unwrap_or_else(|e| panic!("plugin loads with the default limits: {e}"))
}

/// One runtime for the tests of this file, with the test servers' compiled
/// plugins: a Python component takes seconds to compile, once per run rather
/// than once per test (and not again in the PostgreSQL pass).
static RUNTIME: LazyLock<PolicyRuntime> = LazyLock::new(|| {
    PolicyRuntime::new(RuntimeLimits::default())
        .expect("runtime starts")
        .with_compiled_cache(isac_tests::compiled_plugins())
});

/// The Python and JavaScript plugins, loaded once for every test.
static POLYGLOT: LazyLock<Vec<(&str, Arc<Plugin>)>> = LazyLock::new(|| {
    LANGUAGES
        .iter()
        .map(|language| (*language, load(&RUNTIME, &artefact(language))))
        .collect()
});

#[test]
fn python_and_javascript_pass_the_rust_baseline_fixtures() {
    let fixtures = load_dir(&workspace("plugins/baseline/fixtures")).expect("fixtures load");
    assert_eq!(fixtures.len(), 7, "the baseline has seven fixtures");
    for (language, plugin) in POLYGLOT.iter() {
        let contract = plugin.info().version.to_string();
        assert_eq!(contract, "0.2.0", "{language}");
        let failures: Vec<String> = fixtures
            .iter()
            .map(|fixture| run_fixture(&plugin, fixture))
            .filter(|outcome| !outcome.passed())
            .map(|outcome| format!("{}: {}", outcome.name, outcome.mismatches.join("\n")))
            .collect();
        assert_eq!(failures, Vec::<String>::new(), "{language}");
    }
}

/// Inputs the fixtures leave out: every TLP and confidence, non-ASCII text around
/// victim mentions in any case (spans are UTF-8 byte offsets), tied candidates.
fn differential_inputs() -> Vec<DecisionInput> {
    let fixtures = load_dir(&workspace("plugins/baseline/fixtures")).expect("fixtures load");
    let mut inputs = Vec::new();
    for fixture in fixtures
        .iter()
        .filter(|f| f.fixture.expect.settings_error.is_none())
    {
        let base = fixture.fixture.decision_input();
        for tlp in [
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red,
        ] {
            for confidence in [
                Confidence::Suspicion,
                Confidence::Unconfirmed,
                Confidence::Confirmed,
            ] {
                let mut input = base.clone();
                input.report.tlp = tlp;
                input.report.confidence = confidence;
                input.report.named_recipients = vec![3, 6];
                input.report.victim = Some("Example Bank".into());
                input.report.body =
                    "被害者は EXAMPLE bank です。example Bankexample bank! Ｅxample Bank".into();
                let audience = input.audience.iter().cloned().chain(task_force_outsider());
                input.audience = audience.collect();
                inputs.push(input);
            }
        }
    }
    inputs
}

fn task_force_outsider() -> Vec<Member> {
    serde_json::from_value(json!([
        {"id": 9, "organisation": 90, "organisation_kind": "academic", "sector": "education",
         "class": "task_force_class1", "in_community": false}
    ]))
    .unwrap()
}

#[test]
fn python_and_javascript_decide_exactly_as_the_rust_baseline() {
    let rust = load(
        &RUNTIME,
        &std::fs::read(isac_plugin_artifacts::BASELINE).unwrap(),
    );
    let inputs = differential_inputs();
    assert_eq!(inputs.len(), 6 * 15);
    for (language, plugin) in POLYGLOT.iter() {
        for (index, input) in inputs.iter().enumerate() {
            // Every part of the decision, the plugin's selectors and the order
            // of its groups included: the three baselines build the same routing.
            let expected = decide(&rust, input).result;
            assert!(expected.is_ok(), "the Rust baseline decides: {expected:?}");
            let actual = decide(&plugin, input).result;
            assert_eq!(actual, expected, "{language}, input {index}");
        }
    }
}

#[test]
fn python_and_javascript_refuse_bad_settings_naming_the_field() {
    let cases = [
        (
            r#"{"window_days": 0}"#,
            "settings.window_days: must be between 1 and 3650, got 0",
        ),
        (
            r#"{"window_days": "7"}"#,
            "settings.window_days: must be an integer, got a string \"7\"",
        ),
        (
            r#"{"window_days": true}"#,
            "settings.window_days: must be an integer, got a boolean true",
        ),
        (
            r#"{"window_day": 7}"#,
            "settings.window_day: unknown field, expected window_days",
        ),
        (r#"[7]"#, "settings: must be a JSON object, got a list"),
    ];
    for (language, plugin) in POLYGLOT.iter() {
        assert_eq!(
            plugin.validate_settings(""),
            Ok(()),
            "{language}: empty means {{}}"
        );
        assert_eq!(
            plugin.validate_settings(r#"{"window_days": 7}"#),
            Ok(()),
            "{language}"
        );
        for (settings, message) in cases {
            let refusal = plugin.validate_settings(settings).map_err(|e| e.fault);
            assert_eq!(
                refusal,
                Err(Fault::Refused(message.into())),
                "{language}: {settings}"
            );
        }
        let broken = plugin.validate_settings("{").map_err(|e| e.fault);
        assert!(
            matches!(&broken, Err(Fault::Refused(m)) if m.starts_with("settings: invalid JSON: ")),
            "{language}: {broken:?}"
        );
    }
}

/// The member's delivered view of `report_id`.
#[tokio::test]
async fn uploaded_python_and_javascript_plugins_run_the_council() {
    for language in LANGUAGES {
        let server = TestServer::start().await;
        let upload = server
            .send(
                Method::POST,
                Some(server.token("operator@council")),
                "/plugins",
                Some(("application/wasm", artefact(language))),
            )
            .await;
        assert_eq!(
            upload.status,
            StatusCode::CREATED,
            "{language}: {:?}",
            upload.body
        );
        let digest = upload.body["digest"].clone();

        // The Council's lifecycle: stage (settings checked by the plugin itself),
        // shadow, the steering committee's approval, activation.
        let policies = "/communities/council/policies";
        let refused = server
            .post(
                "operator@council",
                policies,
                &json!({"plugin": digest, "settings": {"window_days": 0}}),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{language}"
        );
        assert_eq!(
            refused.body["field"], "settings",
            "{language}: {:?}",
            refused.body
        );
        assert!(
            refused
                .body
                .to_string()
                .contains("settings.window_days: must be between 1 and 3650"),
            "{language}: {:?}",
            refused.body
        );
        let staged = server
            .post(
                "operator@council",
                policies,
                &json!({"plugin": digest, "settings": {"window_days": 7}}),
            )
            .await;
        assert_eq!(
            staged.status,
            StatusCode::CREATED,
            "{language}: {:?}",
            staged.body
        );
        let version = staged.body["id"].as_i64().expect("version id");
        for (who, step) in [
            ("operator@council", "shadow"),
            ("steering_committee", "approve"),
            ("operator@council", "activate"),
        ] {
            let reply = server
                .post(who, &format!("{policies}/{version}/{step}"), &json!({}))
                .await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{language} {step}: {:?}",
                reply.body
            );
        }
        let shown = server
            .get("secretariat", &format!("{policies}/{version}"))
            .await;
        assert_eq!(
            shown.body["status"], "active",
            "{language}: {:?}",
            shown.body
        );
        assert_eq!(shown.body["digest"], digest, "{language}: {:?}", shown.body);

        let report = |title: &str| {
            json!({
                "title": title, "body": format!("{title}. Seen at Sakura Bank."), "tlp": "green",
                "confidence": "confirmed", "victim": "Sakura Bank",
                "indicators": [{"kind": "domain", "value": "polyglot.example"}]
            })
        };
        let first = server
            .post(
                "sakura-bank@council",
                "/communities/council/reports",
                &report("Phishing at Sakura Bank"),
            )
            .await;
        assert_eq!(
            first.status,
            StatusCode::CREATED,
            "{language}: {:?}",
            first.body
        );
        let id = first.body["report_id"].as_str().unwrap().to_string();

        let outsider = server.view("example-security@council", &id).await;
        assert_eq!(outsider["victim"], "███████████", "{language}");
        assert_eq!(outsider["title"], "Phishing at ███████████", "{language}");
        assert_eq!(
            outsider["body"], "Phishing at ███████████. Seen at ███████████.",
            "{language}"
        );
        let own = server.view("sakura-bank@council", &id).await;
        assert_eq!(own["victim"], "Sakura Bank", "{language}");

        let second = server
            .post(
                "tokyo@council",
                "/communities/council/reports",
                &report("Same domain"),
            )
            .await;
        assert_eq!(
            second.status,
            StatusCode::CREATED,
            "{language}: {:?}",
            second.body
        );
        assert_eq!(
            second.body["case_id"], first.body["case_id"],
            "{language}: one case"
        );
    }
}

#[tokio::test]
async fn plugin_uploads_are_capped_at_64_mib_with_a_json_answer() {
    let server = TestServer::start().await;
    let oversized = vec![0u8; isac_host::api::PLUGIN_LIMIT + 1];
    let reply = server
        .send(
            Method::POST,
            Some(server.token("operator@council")),
            "/plugins",
            Some(("application/wasm", oversized)),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{:?}",
        reply.body
    );
    assert!(reply.body["message"].is_string(), "{:?}", reply.body);
}
