//! Checks a candidate version before it is staged: the plugin loads (a component
//! implementing a supported contract, compiled and linked), the plugin accepts the
//! settings, and it passes every fixture of the community's suite.

use std::sync::Arc;

use sqlx::AnyConnection;

use super::{RegistryError, fixtures};
use crate::fixture::run_fixture;
use crate::pipeline::Pipeline;
use crate::runtime::Plugin;

/// Validates plugin `digest` (already stored) with `settings` for `community` and
/// returns the contract version it implements.
pub async fn validate(
    pipeline: &Pipeline,
    conn: &mut AnyConnection,
    community: &str,
    digest: &str,
    settings: &str,
) -> Result<String, RegistryError> {
    let plugin = pipeline.plugin(digest).await.map_err(|e| match e {
        crate::pipeline::PlanError::Plugin { reason, .. } => {
            RegistryError::invalid("plugin", reason)
        }
        other => RegistryError::Plan(other),
    })?;
    let suite = fixtures::load(conn, community).await?;
    let checked = plugin.clone();
    let settings = settings.to_string();
    tokio::task::spawn_blocking(move || check(&checked, &settings, &suite)).await??;
    Ok(plugin.info().version.to_string())
}

fn check(
    plugin: &Arc<Plugin>,
    settings: &str,
    suite: &[crate::fixture::FixtureFile],
) -> Result<(), RegistryError> {
    plugin
        .validate_settings(settings)
        .map_err(|e| RegistryError::invalid("settings", e.fault.to_string()))?;
    let failures: Vec<String> = suite
        .iter()
        .map(|file| run_fixture(plugin, file))
        .filter(|outcome| !outcome.passed())
        .map(|outcome| {
            format!(
                "fixture {} failed: {}",
                outcome.name,
                outcome.mismatches.join("; ")
            )
        })
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(RegistryError::invalid("fixtures", failures.join("\n")))
    }
}
