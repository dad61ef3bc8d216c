//! Members-only trend reports: the figures of a period (cases by status, sector
//! and indicator kind, new versus continuing, publications) rendered as HTML with
//! SVG charts. Delivery goes through the pipeline (see `api::trends`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use super::chart;
use crate::model::Report;

/// A period's figures, stored with the trend report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub community: String,
    pub from: i64,
    pub to: i64,
    /// Cases active in the period: opened before its end, not closed before its start.
    pub cases: i64,
    pub new_cases: i64,
    pub continuing_cases: i64,
    /// Active cases by status now: open or closed.
    pub cases_by_status: BTreeMap<String, i64>,
    /// Active cases with a report from an organisation of each sector.
    pub cases_by_sector: BTreeMap<String, i64>,
    /// Active cases with an indicator of each kind in their reports.
    pub cases_by_indicator_kind: BTreeMap<String, i64>,
    pub publications: i64,
    pub public_publications: i64,
    pub limited_publications: i64,
}

/// The figures of `community` for `[from, to)` (Unix seconds).
pub async fn figures(
    db: &AnyPool,
    community: &str,
    from: i64,
    to: i64,
) -> Result<Figures, sqlx::Error> {
    let cases = sqlx::query(
        "SELECT id, opened_at, status FROM cases WHERE community_id = $1 AND kind = 'campaign' \
         AND status <> 'merged' AND opened_at < $3 AND (closed_at IS NULL OR closed_at >= $2)",
    )
    .bind(community)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let mut figures = Figures {
        community: community.to_string(),
        from,
        to,
        cases: cases.len() as i64,
        ..Figures::default()
    };
    let mut active = BTreeSet::new();
    for row in &cases {
        let (id, opened, status): (String, i64, String) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        if opened < from {
            figures.continuing_cases += 1;
        } else {
            figures.new_cases += 1;
        }
        *figures.cases_by_status.entry(status).or_default() += 1;
        active.insert(id);
    }
    // Every member reads these figures; a RED report reached only its named
    // recipients, so its submitter's sector and its indicators stay out of them.
    let reports = sqlx::query(
        "SELECT r.case_id, o.sector, r.original FROM reports r JOIN organisations o ON o.id = r.organisation \
         JOIN cases c ON c.id = r.case_id WHERE c.community_id = $1 AND c.kind = 'campaign' AND r.status = 'delivered' \
         AND r.tlp <> 'red'",
    )
    .bind(community)
    .fetch_all(db)
    .await?;
    let mut sectors: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut kinds: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &reports {
        let case: String = row.try_get(0)?;
        if !active.contains(&case) {
            continue;
        }
        sectors
            .entry(row.try_get(1)?)
            .or_default()
            .insert(case.clone());
        let original: String = row.try_get(2)?;
        if let Ok(report) = serde_json::from_str::<Report>(&original) {
            for indicator in report.indicators {
                let kind = crate::model::label_name(&indicator.kind);
                kinds.entry(kind).or_default().insert(case.clone());
            }
        }
    }
    figures.cases_by_sector = sectors
        .into_iter()
        .map(|(k, v)| (k, v.len() as i64))
        .collect();
    figures.cases_by_indicator_kind = kinds
        .into_iter()
        .map(|(k, v)| (k, v.len() as i64))
        .collect();
    let publications = sqlx::query(
        "SELECT scope, COUNT(*) FROM publications WHERE community_id = $1 AND published_at >= $2 AND published_at < $3 GROUP BY scope",
    )
    .bind(community)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    for row in &publications {
        let (scope, count): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
        figures.publications += count;
        if scope == "public" {
            figures.public_publications += count;
        } else {
            figures.limited_publications += count;
        }
    }
    Ok(figures)
}

fn date(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(super::fiscal_year::JST)
        .date()
        .to_string()
}

fn rows(map: &BTreeMap<String, i64>) -> Vec<(String, i64)> {
    map.iter().map(|(k, v)| (k.clone(), *v)).collect()
}

/// The period's title, e.g. "Trend report 2024-04-01 to 2024-04-30".
pub fn title(figures: &Figures) -> String {
    format!(
        "Trend report {} to {}",
        date(figures.from),
        date(figures.to - 1)
    )
}

/// The report as an HTML document with its charts inline.
pub fn html(figures: &Figures) -> Result<String, String> {
    let esc = |text: &str| html_escape::encode_text(text).to_string();
    let table = |caption: &str, map: &BTreeMap<String, i64>| {
        let body: String = map
            .iter()
            .map(|(k, v)| format!("<tr><td>{}</td><td>{v}</td></tr>", esc(k)))
            .collect();
        format!("<table><caption>{}</caption>{body}</table>", esc(caption))
    };
    let new_vs_continuing = vec![
        ("new".to_string(), figures.new_cases),
        ("continuing".to_string(), figures.continuing_cases),
    ];
    let charts = [
        chart::bars("Cases: new and continuing", &new_vs_continuing)?,
        chart::bars("Cases by sector", &rows(&figures.cases_by_sector))?,
        chart::bars(
            "Cases by indicator kind",
            &rows(&figures.cases_by_indicator_kind),
        )?,
    ];
    let title = esc(&title(figures));
    Ok(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <h1>{title}</h1><p>For members of {community} only (TLP:AMBER+STRICT).</p>\
         <ul><li>Cases handled: {cases}</li><li>New cases: {new}</li><li>Continuing cases: {cont}</li>\
         <li>Publications of countermeasure information: {pubs} ({public} public, {limited} limited)</li></ul>\
         {status}{sector}{kind}{charts}</body></html>",
        community = esc(&figures.community),
        cases = figures.cases,
        new = figures.new_cases,
        cont = figures.continuing_cases,
        pubs = figures.publications,
        public = figures.public_publications,
        limited = figures.limited_publications,
        status = table("Cases by status", &figures.cases_by_status),
        sector = table("Cases by sector", &figures.cases_by_sector),
        kind = table("Cases by indicator kind", &figures.cases_by_indicator_kind),
        charts = charts.join(""),
    ))
}
