use std::path::Path;
use std::process::ExitCode;

use super::{EXIT_UNUSABLE, load_plugin};
use crate::fixture::{Fixture, load_dir, run_fixture};
use crate::runtime::{Plugin, PolicyRuntime, decide};

/// Runs every fixture of `dir` and prints PASS/FAIL with a diff per mismatch
/// and, with `explain`, what each member of its audience receives and why;
/// with `watch`, again after every change to the plugin or the fixtures.
pub fn run(
    file: &Path,
    dir: &Path,
    explain: bool,
    watch: bool,
    runtime: Result<PolicyRuntime, String>,
) -> ExitCode {
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_UNUSABLE);
        }
    };
    if watch {
        super::watch::watch(file, dir, || {
            run_once(&runtime, file, dir, explain);
        });
    }
    run_once(&runtime, file, dir, explain)
}

fn run_once(runtime: &PolicyRuntime, file: &Path, dir: &Path, explain: bool) -> ExitCode {
    let loaded = load_plugin(runtime, file).and_then(|plugin| {
        let fixtures = load_dir(dir).map_err(|e| e.to_string())?;
        Ok((plugin, fixtures))
    });
    let (plugin, fixtures) = match loaded {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_UNUSABLE);
        }
    };

    println!("plugin {} ({})", file.display(), plugin.digest());
    let mut failed = 0;
    for fixture in &fixtures {
        let outcome = run_fixture(&plugin, fixture);
        if outcome.passed() {
            println!("PASS {}", outcome.name);
        } else {
            failed += 1;
            println!("FAIL {} ({})", outcome.name, fixture.path.display());
            for mismatch in &outcome.mismatches {
                for line in mismatch.lines() {
                    println!("    {line}");
                }
            }
        }
        if explain {
            for line in explanation(&plugin, &fixture.fixture) {
                println!("    {line}");
            }
        }
    }
    println!("{} passed, {failed} failed", fixtures.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One line per member of the fixture's audience: the group it is in (its
/// delay and how many redactions), or nothing; for a contract 0.2 plugin, the
/// first of its selectors that chooses the member.
fn explanation(plugin: &Plugin, fixture: &Fixture) -> Vec<String> {
    let input = fixture.decision_input();
    let decision = match decide(plugin, &input).result {
        Ok(decision) => decision,
        Err(error) => return vec![format!("no decision to explain: {error}")],
    };
    let groups = &decision.routing.groups;
    input
        .audience
        .iter()
        .map(|member| {
            let chosen = decision
                .selectors
                .iter()
                .position(|s| s.chooses(member, &input.report))
                .map(|i| format!("; the plugin's group {i} chooses it"))
                .unwrap_or_default();
            let who = format!(
                "member {} (organisation {})",
                member.id, member.organisation
            );
            match groups
                .iter()
                .position(|g| g.recipients.contains(&member.id))
            {
                Some(index) => {
                    let group = &groups[index];
                    let (ops, delay) = (group.redactions.len(), group.delay_seconds);
                    format!("{who}: view {index}, {ops} redaction(s), after {delay} s{chosen}")
                }
                None if decision.selectors.is_empty() => format!("{who}: nothing"),
                None => format!("{who}: nothing; no selector chooses it"),
            }
        })
        .collect()
}
