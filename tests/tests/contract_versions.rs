//! Contract versions side by side: a plugin on contract 0.1 (the baseline as
//! built before 0.2, `plugins/testing/baseline-0-1`) and one on contract 0.2
//! (`plugins/testing/selectors`) each pass their fixtures and decide in one
//! running server.

use std::path::Path;
use std::sync::Arc;

use isac_host::fixture::{FixtureFile, load_dir, run_fixture};
use isac_host::runtime::{Plugin, PolicyRuntime, RuntimeLimits, decide};
use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::json;

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn fixtures_of(plugin: &str) -> Vec<isac_host::fixture::FixtureFile> {
    load_dir(&Path::new(WORKSPACE).join(plugin).join("fixtures")).expect("fixtures load")
}

/// Loads the built plugin at `path`, checks it implements `contract`, runs
/// the `count` fixtures of the workspace folder `fixtures` on it, and returns
/// the plugin and the fixtures.
fn passes_its_fixtures(
    runtime: &PolicyRuntime,
    path: &str,
    contract: &str,
    fixtures: &str,
    count: usize,
) -> (Arc<Plugin>, Vec<FixtureFile>) {
    let bytes = std::fs::read(path).expect("plugin built");
    let plugin = runtime.load(&bytes).expect("the plugin loads");
    assert_eq!(plugin.info().version.to_string(), contract);
    let fixtures = fixtures_of(fixtures);
    assert_eq!(fixtures.len(), count);
    for file in &fixtures {
        let outcome = run_fixture(&plugin, file);
        let (name, mismatches) = (&outcome.name, &outcome.mismatches);
        assert!(outcome.passed(), "{name}: {mismatches:?}");
    }
    (plugin, fixtures)
}

#[test]
fn a_selector_plugin_passes_its_fixtures_and_reads_the_audience_only_when_asked() {
    let runtime = PolicyRuntime::new(RuntimeLimits::default()).expect("runtime starts");
    let selectors = isac_plugin_artifacts::SELECTORS;
    let (plugin, fixtures) =
        passes_its_fixtures(&runtime, selectors, "0.2.0", "plugins/testing/selectors", 2);
    let run = decide(&plugin, &fixtures[0].fixture.decision_input());
    let lines: Vec<&str> = run.log.lines.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(lines, ["audience of 3"]);
}

#[test]
fn the_baseline_built_for_contract_0_1_still_passes_every_fixture() {
    let runtime = PolicyRuntime::new(RuntimeLimits::default()).expect("runtime starts");
    let baseline = isac_plugin_artifacts::BASELINE_0_1;
    passes_its_fixtures(&runtime, baseline, "0.1.0", "plugins/baseline", 7);
}

#[tokio::test]
async fn plugins_on_contracts_0_1_and_0_2_decide_side_by_side() {
    let server = TestServer::start().await;
    let baseline = isac_plugin_artifacts::BASELINE_0_1;
    let settings = json!({"window_days": 7});
    server
        .activate("council", baseline, settings, "plugins/baseline")
        .await;
    let selectors = isac_plugin_artifacts::SELECTORS;
    let fixtures = "plugins/testing/selectors";
    server
        .activate("financials-isac", selectors, json!({}), fixtures)
        .await;

    let report = json!({
        "title": "Look-alike login pages", "body": "SMS lures.", "tlp": "green",
        "confidence": "confirmed", "victim": "Kaede Securities",
        "indicators": [{"kind": "domain", "value": "kaede-login.example"}]
    });
    for community in ["council", "financials-isac"] {
        let path = format!("/communities/{community}/reports");
        let submitted = server
            .post(&format!("sakura-bank@{community}"), &path, &report)
            .await;
        assert_eq!(
            submitted.status,
            StatusCode::CREATED,
            "{:?}",
            submitted.body
        );
    }
    let id_in = |who: &'static str| {
        let server = &server;
        async move {
            let ids = server.inbox_reports(who).await;
            let id = ids.last().cloned();
            id.unwrap_or_else(|| panic!("{who} received nothing"))
        }
    };

    // Contract 0.1: the baseline masks the victim for everyone outside the bank.
    let council_report = id_in("tokyo@council").await;
    let outsider = server.view("tokyo@council", &council_report).await;
    assert_eq!(outsider["victim"], "████████████████");

    // Contract 0.2: the host told the plugin that a financial institution
    // submitted it, so the other bank is chosen by sector and sees the victim.
    let financial_report = id_in("momiji-bank@financials-isac").await;
    let peer = server
        .view("momiji-bank@financials-isac", &financial_report)
        .await;
    assert_eq!(peer["victim"], "Kaede Securities");
    assert_eq!(peer["redacted"]["dropped_fields"], json!([]));
}
