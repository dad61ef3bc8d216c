//! Checks a candidate version before it is staged: the plugin loads (a component
//! implementing a supported contract, compiled and linked), the plugin accepts the
//! settings, and it passes every fixture of the community's suite, twice.
//!
//! Each fixture runs under its own settings (its expectations must match, as in
//! `isac-host plugin test`) and under the settings being staged, since those are
//! the ones that will decide live reports. A fixture's expectation was written for
//! its own settings, so under the staged ones it is a ceiling, not an equation:
//! the run must not fault, every redaction must fit the report, and no reader may
//! see more than the expectation lets it (no new recipient or target community,
//! no extra text, indicator or tag, no weaker TLP, no earlier delivery). Sharing
//! less is reported but passes. When the fixture's settings are the staged ones,
//! the first run is the second, and its expectations must match exactly.

use std::sync::Arc;

use serde::Serialize;
use sqlx::AnyConnection;

use super::content_diff::{Diff, Seen, diff};
use super::{RegistryError, fixtures};
use crate::fixture::{FixtureFile, run_fixture};
use crate::pipeline::Pipeline;
use crate::runtime::{Plugin, decide};

/// A version that passed validation: its contract and what each fixture showed.
#[derive(Debug, Clone)]
pub struct Validated {
    pub wit_version: String,
    pub fixtures: Vec<FixtureReport>,
}

/// One fixture under its own settings and under the staged ones.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FixtureReport {
    pub name: String,
    pub own_settings: Run,
    pub staged_settings: Run,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FixtureRun)]
pub struct Run {
    pub passed: bool,
    /// Why it did not pass, or why it was not run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How the decision differs from the fixture's expectation (`active` is the
    /// expectation, `candidate` the staged settings' decision).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub differs: Option<Diff>,
}

impl Run {
    fn passed(notes: Vec<String>) -> Run {
        Run {
            passed: true,
            notes,
            differs: None,
        }
    }

    fn failed(notes: Vec<String>, differs: Option<Diff>) -> Run {
        Run {
            passed: false,
            notes,
            differs,
        }
    }
}

/// Validates plugin `digest` (already stored) with `settings` for `community`.
pub async fn validate(
    pipeline: &Pipeline,
    conn: &mut AnyConnection,
    community: &str,
    digest: &str,
    settings: &str,
) -> Result<Validated, RegistryError> {
    let plugin = pipeline.plugin(digest).await.map_err(|e| match e {
        crate::pipeline::PlanError::Plugin { reason, .. } => {
            RegistryError::invalid("plugin", reason)
        }
        other => RegistryError::Plan(other),
    })?;
    let suite = fixtures::load(conn, community).await?;
    let checked = plugin.clone();
    let settings = settings.to_string();
    let fixtures =
        tokio::task::spawn_blocking(move || check(&checked, &settings, &suite)).await??;
    Ok(Validated {
        wit_version: plugin.info().version.to_string(),
        fixtures,
    })
}

fn check(
    plugin: &Arc<Plugin>,
    settings: &str,
    suite: &[FixtureFile],
) -> Result<Vec<FixtureReport>, RegistryError> {
    plugin
        .validate_settings(settings)
        .map_err(|e| RegistryError::invalid("settings", e.fault.to_string()))?;
    let reports: Vec<FixtureReport> = suite
        .iter()
        .map(|file| FixtureReport {
            name: file.name.clone(),
            own_settings: own(plugin, file),
            staged_settings: staged(plugin, file, settings),
        })
        .collect();
    let failures: Vec<String> = reports.iter().flat_map(failures).collect();
    if failures.is_empty() {
        Ok(reports)
    } else {
        Err(RegistryError::invalid("fixtures", failures.join("\n")))
    }
}

fn failures(report: &FixtureReport) -> Vec<String> {
    let mut failures = Vec::new();
    if !report.own_settings.passed {
        failures.push(format!(
            "fixture {} failed: {}",
            report.name,
            report.own_settings.notes.join("; ")
        ));
    }
    let staged = &report.staged_settings;
    if !staged.passed {
        let differs = staged
            .differs
            .as_ref()
            .and_then(|d| serde_json::to_string(d).ok())
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        failures.push(format!(
            "fixture {} failed under the staged settings: {}{differs}",
            report.name,
            staged.notes.join("; ")
        ));
    }
    failures
}

fn own(plugin: &Plugin, file: &FixtureFile) -> Run {
    let outcome = run_fixture(plugin, file);
    if outcome.passed() {
        Run::passed(Vec::new())
    } else {
        Run::failed(outcome.mismatches, None)
    }
}

fn staged(plugin: &Plugin, file: &FixtureFile, settings: &str) -> Run {
    let fixture = &file.fixture;
    if fixture.expect.settings_error.is_some() {
        return Run::passed(vec![
            "not run: the fixture expects its own settings to be refused".into(),
        ]);
    }
    let staged: Option<serde_json::Value> = serde_json::from_str(settings).ok();
    if staged.as_ref() == Some(&fixture.settings) {
        return Run::passed(vec![
            "the staged settings are the fixture's own: see own_settings".into(),
        ]);
    }
    let mut input = fixture.decision_input();
    input.context.settings = settings.to_string();
    let decision = match decide(plugin, &input).result {
        Ok(decision) => decision,
        Err(error) => return Run::failed(vec![error.to_string()], None),
    };
    let report = &input.report;
    let decided = match Seen::of_routing(report, &decision.correlation, &decision.routing) {
        Ok(seen) => seen,
        Err(error) => return Run::failed(vec![error.to_string()], None),
    };
    let Some(expected) = &fixture.expect.routing else {
        return Run::passed(vec![
            "the fixture expects no routing: ran without a fault".into(),
        ]);
    };
    let Ok(expected) = Seen::of_routing(report, &decision.correlation, expected) else {
        return Run::failed(
            vec!["the fixture's expected routing does not fit its report".into()],
            None,
        );
    };
    let differs = diff(&expected, &decided);
    if differs.widens() {
        Run::failed(
            vec!["a reader would see more than the fixture expects".into()],
            Some(differs),
        )
    } else if differs.is_empty() {
        Run::passed(Vec::new())
    } else {
        Run {
            passed: true,
            notes: vec!["shares less than the fixture expects".into()],
            differs: Some(differs),
        }
    }
}
