//! Cases (attack campaigns) as the pipeline sees them: candidates found through
//! the fingerprint index, and the case a committed report joins or opens.

use std::collections::{BTreeMap, BTreeSet};

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

/// Fingerprints (or case ids) per lookup statement: a few statements for a
/// whole bundle's reports, far below either database's parameter limit.
const KEYS_PER_QUERY: usize = 1000;

/// The cases of community `$1` holding any of `count` fingerprints, made by
/// [`candidates_for_each`].
pub(crate) fn cases_sharing_sql(count: usize) -> String {
    format!(
        "SELECT case_id, fingerprint FROM case_fingerprints WHERE community_id = $1 AND fingerprint IN ({})",
        store::bulk::placeholders(2, count)
    )
}

/// For each report's fingerprints, the open cases of `community` sharing at
/// least one of them, most recent first, each with the fingerprints it shares
/// with that report (sorted). A closed (or merged) case is no candidate: a
/// report on it opens a new case, unless an operator reopens it. The reports
/// of a bundle are looked up together: two statements for all of them, where
/// one report at a time would cost two round trips each.
pub async fn candidates_for_each(
    db: &mut AnyConnection,
    community: &str,
    fingerprints: &[&[String]],
) -> Result<Vec<Vec<CaseSummary>>, sqlx::Error> {
    let keys: Vec<&[String]> = fingerprints
        .iter()
        .map(|f| &f[..f.len().min(MAX_LOOKUP)])
        .collect();
    let wanted: BTreeSet<&String> = keys.iter().flat_map(|k| k.iter()).collect();
    let wanted: Vec<&String> = wanted.into_iter().collect();
    // Fingerprint -> the cases it belongs to.
    let mut cases_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for piece in wanted.chunks(KEYS_PER_QUERY) {
        let sql = cases_sharing_sql(piece.len());
        let mut query = sqlx::query(&sql).bind(community);
        for key in piece {
            query = query.bind(*key);
        }
        for row in query.fetch_all(&mut *db).await? {
            let fingerprint: String = row.try_get(1)?;
            cases_of
                .entry(fingerprint)
                .or_default()
                .push(row.try_get(0)?);
        }
    }
    let ids: BTreeSet<&String> = cases_of.values().flatten().collect();
    let ids: Vec<&String> = ids.into_iter().collect();
    let mut open = Vec::new();
    for piece in ids.chunks(KEYS_PER_QUERY) {
        let sql = format!(
            "SELECT id, title, opened_at, last_report_at, report_count, confidence FROM cases WHERE id IN ({}) AND status = 'open'",
            store::bulk::placeholders(1, piece.len())
        );
        let mut query = sqlx::query(&sql);
        for id in piece {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *db).await? {
            let confidence: String = row.try_get(5)?;
            open.push(CaseSummary {
                id: row.try_get(0)?,
                title: row.try_get(1)?,
                opened_at: timestamp(row.try_get(2)?),
                last_report_at: timestamp(row.try_get(3)?),
                report_count: row.try_get::<i64, _>(4)?.max(0) as u32,
                confidence: model::parse_label(&confidence).unwrap_or(Confidence::Unconfirmed),
                shared_fingerprints: Vec::new(),
            });
        }
    }
    most_recent_first(&mut open);
    Ok(keys
        .iter()
        .map(|keys| {
            let mut shared: BTreeMap<&String, Vec<String>> = BTreeMap::new();
            for key in *keys {
                for case in cases_of.get(key).into_iter().flatten() {
                    shared.entry(case).or_default().push(key.clone());
                }
            }
            open.iter()
                .filter_map(|case| {
                    let mut fingerprints = shared.remove(&case.id)?;
                    fingerprints.sort();
                    fingerprints.dedup();
                    Some(CaseSummary {
                        shared_fingerprints: fingerprints,
                        ..case.clone()
                    })
                })
                .collect()
        })
        .collect())
}

/// The order candidates are offered in: most recent report first, then by id.
fn most_recent_first(cases: &mut [CaseSummary]) {
    cases.sort_by(|a, b| (b.last_report_at, &a.id).cmp(&(a.last_report_at, &b.id)));
}

/// Adds `report` to its case: `case_id`, which the plugin joined or which the
/// report opens (with the plugin's title).
pub fn record(rows: &mut Rows, report: &Report, correlation: &Correlation, case_id: &str) {
    let at = report.submitted_at.unix_timestamp();
    match correlation {
        Correlation::Join(_) => rows.joins.push(CaseJoin {
            case_id: case_id.into(),
            at,
            confidence: report.confidence,
        }),
        Correlation::NewCase(title) => rows.new_cases.push(NewCase {
            id: case_id.into(),
            community: report.community.clone(),
            title: title.clone(),
            at,
            confidence: report.confidence,
        }),
    }
}

/// Cases opened by reports decided earlier in the same bundle, not committed
/// yet. A later report of the bundle finds them among its candidates, as it
/// would had the reports been submitted one after another; otherwise two
/// indicators of one campaign in one envelope would each open a case.
#[derive(Default)]
pub(super) struct BundleCases(Vec<(CaseSummary, BTreeSet<String>)>);

impl BundleCases {
    /// `found` (the stored candidates of a report with `fingerprints`) and the
    /// bundle's cases sharing one of them, most recent first.
    pub fn candidates(
        &self,
        fingerprints: &[String],
        mut found: Vec<CaseSummary>,
    ) -> Vec<CaseSummary> {
        let keys: BTreeSet<&String> = fingerprints.iter().take(MAX_LOOKUP).collect();
        for (case, held) in &self.0 {
            let shared: Vec<String> = keys
                .iter()
                .filter(|k| held.contains(k.as_str()))
                .map(|k| k.to_string())
                .collect();
            if !shared.is_empty() {
                found.push(CaseSummary {
                    shared_fingerprints: shared,
                    ..case.clone()
                });
            }
        }
        most_recent_first(&mut found);
        found
    }

    /// Notes that `report`, with `fingerprints`, opened or joined `case_id`.
    pub fn record(
        &mut self,
        report: &Report,
        correlation: &Correlation,
        case_id: &str,
        fingerprints: &[String],
    ) {
        let at = report.submitted_at;
        match correlation {
            Correlation::NewCase(title) => {
                let case = CaseSummary {
                    id: case_id.into(),
                    title: title.clone(),
                    opened_at: at,
                    last_report_at: at,
                    report_count: 1,
                    confidence: report.confidence,
                    shared_fingerprints: Vec::new(),
                };
                self.0.push((case, fingerprints.iter().cloned().collect()));
            }
            Correlation::Join(id) => {
                if let Some((case, held)) = self.0.iter_mut().find(|(c, _)| c.id == *id) {
                    case.report_count += 1;
                    case.last_report_at = case.last_report_at.max(at);
                    case.confidence = case.confidence.max(report.confidence);
                    held.extend(fingerprints.iter().cloned());
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "cases_tests.rs"]
mod tests;
