use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::{EXIT_UNUSABLE, load_plugin};
use crate::fixture::load_dir;
use crate::runtime::{PolicyRuntime, decide};

/// Latencies of one stage across all runs.
#[derive(Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn summary(&mut self) -> (Duration, Duration, Duration) {
        self.0.sort_unstable();
        let at = |q: f64| self.0[((self.0.len() - 1) as f64 * q).round() as usize];
        (at(0.0), at(0.5), at(0.99))
    }
}

/// Times fresh-instance evaluations of every fixture and prints min, median and p99.
pub fn run(
    file: &Path,
    dir: &Path,
    iterations: u32,
    runtime: Result<PolicyRuntime, String>,
) -> ExitCode {
    let started = Instant::now();
    let loaded = runtime.and_then(|runtime| {
        let plugin = load_plugin(&runtime, file)?;
        let fixtures = load_dir(dir).map_err(|e| e.to_string())?;
        Ok((runtime, plugin, fixtures))
    });
    let (_runtime, plugin, fixtures) = match loaded {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_UNUSABLE);
        }
    };
    let load_time = started.elapsed();
    let inputs: Vec<_> = fixtures
        .iter()
        .filter(|f| f.fixture.expect.settings_error.is_none())
        .map(|f| f.fixture.decision_input())
        .collect();
    if inputs.is_empty() || iterations == 0 {
        eprintln!(
            "error: {}: no fixture to evaluate (all expect a settings error)",
            dir.display()
        );
        return ExitCode::from(EXIT_UNUSABLE);
    }

    let total = inputs.len() as u64 * u64::from(iterations);
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} evaluations ({eta} left)")
            .expect("the template is valid"),
    );
    let names = [
        "instantiate",
        "fingerprints",
        "correlate",
        "route",
        "evaluation",
    ];
    let mut samples: [Samples; 5] = Default::default();
    for input in &inputs {
        for _ in 0..iterations {
            let start = Instant::now();
            let run = decide(&plugin, input);
            let whole = start.elapsed();
            if let Err(error) = run.result {
                bar.abandon();
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
            let t = run.times;
            for (slot, value) in
                samples
                    .iter_mut()
                    .zip([t.instantiate, t.fingerprints, t.correlate, t.route, whole])
            {
                slot.0.push(value);
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();

    println!(
        "plugin {} ({}, {} bytes)",
        file.display(),
        plugin.digest(),
        plugin.size()
    );
    println!("compile + link: {:.1} ms", load_time.as_secs_f64() * 1e3);
    println!(
        "{} fixture(s) x {iterations} evaluations, each on a fresh instance",
        inputs.len()
    );
    println!(
        "{:<14} {:>10} {:>10} {:>10}",
        "stage", "min µs", "median µs", "p99 µs"
    );
    for (name, slot) in names.iter().zip(samples.iter_mut()) {
        let (min, median, p99) = slot.summary();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "{name:<14} {:>10.1} {:>10.1} {:>10.1}",
            us(min),
            us(median),
            us(p99)
        );
    }
    ExitCode::SUCCESS
}
