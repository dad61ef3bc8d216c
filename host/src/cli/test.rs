use std::path::Path;
use std::process::ExitCode;

use super::{EXIT_UNUSABLE, load_plugin, new_runtime};
use crate::fixture::{load_dir, run_fixture};
use crate::runtime::RuntimeLimits;

/// Runs every fixture of `dir` and prints PASS/FAIL with a diff per mismatch.
pub fn run(file: &Path, dir: &Path, limits: RuntimeLimits) -> ExitCode {
    let loaded = new_runtime(limits).and_then(|runtime| {
        let plugin = load_plugin(&runtime, file)?;
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
    }
    println!("{} passed, {failed} failed", fixtures.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
