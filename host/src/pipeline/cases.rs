//! Cases (attack campaigns) as the pipeline sees them: candidates found through
//! the fingerprint index, and the case a committed report joins or opens.

use std::collections::BTreeMap;

use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use super::rows::{CaseJoin, NewCase, Rows};
use crate::model::{self, CaseSummary, Confidence, Correlation, Report};
use crate::store;

/// How many fingerprints of one report are looked up (plugins rarely give more).
const MAX_LOOKUP: usize = 256;

fn timestamp(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Open cases of `community` sharing at least one fingerprint, most recent first,
/// each with the fingerprints it shares. A closed (or merged) case is no
/// candidate: a report on it opens a new case, unless an operator reopens it.
pub async fn candidates(
    db: &mut AnyConnection,
    community: &str,
    fingerprints: &[String],
) -> Result<Vec<CaseSummary>, sqlx::Error> {
    let keys = &fingerprints[..fingerprints.len().min(MAX_LOOKUP)];
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT case_id, fingerprint FROM case_fingerprints WHERE community_id = $1 AND fingerprint IN ({})",
        store::bulk::placeholders(2, keys.len())
    );
    let mut query = sqlx::query(&sql).bind(community);
    for key in keys {
        query = query.bind(key);
    }
    let mut shared: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in query.fetch_all(&mut *db).await? {
        shared
            .entry(row.try_get(0)?)
            .or_default()
            .push(row.try_get(1)?);
    }
    if shared.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, title, opened_at, last_report_at, report_count, confidence FROM cases WHERE id IN ({}) AND status = 'open' \
         ORDER BY last_report_at DESC, id",
        store::bulk::placeholders(1, shared.len())
    );
    let mut query = sqlx::query(&sql);
    for id in shared.keys() {
        query = query.bind(id);
    }
    let mut cases = Vec::new();
    for row in query.fetch_all(&mut *db).await? {
        let id: String = row.try_get(0)?;
        let confidence: String = row.try_get(5)?;
        cases.push(CaseSummary {
            title: row.try_get(1)?,
            opened_at: timestamp(row.try_get(2)?),
            last_report_at: timestamp(row.try_get(3)?),
            report_count: row.try_get::<i64, _>(4)?.max(0) as u32,
            confidence: model::parse_label(&confidence).unwrap_or(Confidence::Unconfirmed),
            shared_fingerprints: shared.remove(&id).unwrap_or_default(),
            id,
        });
    }
    Ok(cases)
}

/// Adds `report` to the case the plugin chose and returns the case id.
pub fn record(rows: &mut Rows, report: &Report, correlation: &Correlation) -> String {
    let at = report.submitted_at.unix_timestamp();
    match correlation {
        Correlation::Join(id) => {
            rows.joins.push(CaseJoin {
                case_id: id.clone(),
                at,
                confidence: report.confidence,
            });
            id.clone()
        }
        Correlation::NewCase(title) => {
            let id = store::new_id("case");
            rows.new_cases.push(NewCase {
                id: id.clone(),
                community: report.community.clone(),
                title: title.clone(),
                at,
                confidence: report.confidence,
            });
            id
        }
    }
}
