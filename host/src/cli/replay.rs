//! `isac-host plugin replay FILE --community ID --last N --data DIR`: a candidate
//! plugin decides the community's last N stored reports again and the decision
//! diffs against what happened are printed. Works on the data directory (the
//! reports are there, not behind the API) and writes nothing to it.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::data::DataArgs;
use super::{EXIT_UNUSABLE, load_plugin, new_runtime};
use crate::pipeline::{Pipeline, Policy};
use crate::registry::replay;
use crate::runtime::RuntimeLimits;
use crate::store;

pub struct ReplayArgs<'a> {
    pub file: &'a Path,
    pub community: &'a str,
    pub last: u32,
    pub data: &'a DataArgs,
    pub settings: Option<&'a str>,
    pub limits: RuntimeLimits,
}

/// Exit 0 when replayed (whatever the diffs), 2 when the plugin, settings or
/// data directory cannot be used.
pub fn run(args: ReplayArgs<'_>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return unusable(e),
    };
    match runtime.block_on(replay(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => unusable(message),
    }
}

fn unusable(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_UNUSABLE)
}

async fn replay(args: &ReplayArgs<'_>) -> Result<(), String> {
    let url = args.data.existing_database_url()?;
    let runtime = new_runtime(args.limits)?;
    let plugin = load_plugin(&runtime, args.file)?;
    let db = store::open(&url).await.map_err(|e| e.to_string())?;
    let active: Option<String> =
        sqlx::query_scalar("SELECT settings FROM communities WHERE id = $1")
            .bind(args.community)
            .fetch_optional(&db)
            .await
            .map_err(|e| e.to_string())?;
    let active =
        active.ok_or_else(|| format!("--community {}: no such community", args.community))?;
    let settings = match args.settings {
        Some(text) => super::policy::parse_settings(text)?.to_string(),
        None => active,
    };
    plugin
        .validate_settings(&settings)
        .map_err(|e| format!("settings refused by {}: {}", args.file.display(), e.fault))?;
    let pipeline = Pipeline::new(db, Arc::new(runtime));
    let candidate = Policy {
        community: args.community.to_string(),
        plugin,
        settings,
    };
    let reports = replay::last_reports(&pipeline, args.community, i64::from(args.last))
        .await
        .map_err(|e| e.to_string())?;
    let progress = ProgressBar::new(reports.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} reports {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (total, mut differ) = (reports.len(), 0);
    for (report, decided_by, stored) in reports {
        let replayed = replay::replay_one(&pipeline, &candidate, report, decided_by, &stored)
            .await
            .map_err(|e| e.to_string())?;
        if replayed.diff.as_object().is_some_and(|d| !d.is_empty()) {
            differ += 1;
            progress.suspend(|| println!("{}", json!(replayed)));
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    println!(
        "replayed {total} reports of {}: {differ} decided differently",
        args.community
    );
    Ok(())
}
