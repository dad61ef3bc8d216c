//! `isac-host stats`: a community's fiscal-year statistics from a data directory,
//! as text or JSON (the same document as `GET /api/v1/statistics`).

use std::process::ExitCode;

use clap::Args;

use super::data::DataArgs;
use crate::council::{FiscalYear, fiscal_year, membership_moments, statistics};
use crate::store;

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    store: DataArgs,
    #[arg(long, default_value = "council")]
    community: String,
    /// The year the fiscal year starts in (FY2023 = April 2023 to March 2024); default the current one.
    #[arg(long)]
    fiscal_year: Option<i32>,
    /// Comma-separated dates (YYYY-MM-DD) for the membership series; default the
    /// end of every fiscal year up to the chosen one.
    #[arg(long)]
    members_at: Option<String>,
    /// Print the statistics as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &StatsArgs) -> ExitCode {
    match collect(args) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(super::EXIT_UNUSABLE)
        }
    }
}

fn collect(args: &StatsArgs) -> Result<String, String> {
    let year = match args.fiscal_year {
        Some(year) => FiscalYear::new(year).map_err(|e| format!("--fiscal-year: {e}"))?,
        None => FiscalYear::containing(store::now()),
    };
    let dates: Option<Vec<i64>> = args
        .members_at
        .as_deref()
        .map(|list| {
            list.split(',')
                .map(|d| fiscal_year::end_of_day(d.trim()))
                .collect()
        })
        .transpose()
        .map_err(|e| format!("--members-at: {e}"))?;
    let url = args.store.existing_database_url()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let stats = runtime.block_on(query(&url, &args.community, year, dates))?;
    if args.json {
        return serde_json::to_string_pretty(&stats).map_err(|e| e.to_string());
    }
    Ok(text(&stats))
}

async fn query(
    url: &str,
    community: &str,
    year: FiscalYear,
    dates: Option<Vec<i64>>,
) -> Result<statistics::YearStatistics, String> {
    let db = store::open(url).await.map_err(|e| e.to_string())?;
    let known: Option<String> = sqlx::query_scalar("SELECT id FROM communities WHERE id = $1")
        .bind(community)
        .fetch_optional(&db)
        .await
        .map_err(|e| e.to_string())?;
    if known.is_none() {
        return Err(format!("--community: no community {community}"));
    }
    let moments = match dates {
        Some(moments) => moments,
        None => membership_moments(&db, community, year)
            .await
            .map_err(|e| e.to_string())?,
    };
    statistics::for_year(&db, community, year, &moments)
        .await
        .map_err(|e| e.to_string())
}

fn text(s: &statistics::YearStatistics) -> String {
    let mut out = vec![
        format!(
            "{} FY{} (April {} to March {})",
            s.community,
            s.fiscal_year,
            s.fiscal_year,
            s.fiscal_year + 1
        ),
        format!(
            "cases: {} ({} continuing, {} new, {} closed)",
            s.cases.total, s.cases.continuing, s.cases.new, s.cases.closed
        ),
        format!(
            "publications: {} ({} public, {} limited)",
            s.publications.total, s.publications.public, s.publications.limited
        ),
        format!("trend reports: {}", s.trend_reports),
    ];
    for (sector, count) in &s.reports_by_sector {
        out.push(format!("reports from {sector}: {count}"));
    }
    let series: Vec<String> = s.members.iter().map(|m| m.count.to_string()).collect();
    out.push(format!("members: {}", series.join(" -> ")));
    out.join("\n")
}
