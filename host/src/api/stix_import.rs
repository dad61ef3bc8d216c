//! Reports from STIX objects, for a bundle (`POST /communities/{id}/stix`) and a
//! TAXII envelope alike. Each source object (a report, or an indicator no report
//! refers to) becomes one report of the submitting organisation; the same object
//! added again (same id and version) finds that report instead of making a second
//! one. The new reports are decided each under the community's policy, then
//! committed together in one transaction.

use std::collections::HashMap;

use sqlx::Row as _;

use super::{ApiError, AppState, Seat, reports};
use crate::pipeline::{Committed, StixSource};
use crate::stix::import::Imported;
use crate::store::bulk;

/// The report a source object became, now or at an earlier add.
#[derive(Debug, Clone)]
pub struct Added {
    pub source: String,
    pub report_id: String,
    pub case_id: Option<String>,
    pub status: String,
    /// The object had been added before: no report was made this time.
    pub duplicate: bool,
}

/// What clients are told when a report could not be stored (the cause is logged).
pub const NOT_STORED: &str = "not stored because of a server error: add it again";

/// Adds every imported report from `seat`'s organisation to its community: one
/// outcome per item, in order; an item that cannot be stored fails alone.
pub async fn add(
    state: &AppState,
    seat: &Seat,
    imported: Vec<Imported>,
) -> Result<Vec<Result<Added, &'static str>>, ApiError> {
    let keys: Vec<(String, String)> = imported
        .iter()
        .map(|i| (i.source.clone(), i.version.clone()))
        .collect();
    let mut known = earlier(state, seat, &keys).await?;
    let mut outcomes: Vec<Option<Result<Added, &'static str>>> = Vec::new();
    let mut submitted = Vec::new();
    let mut positions = Vec::new();
    let mut in_this_add = HashMap::new();
    for (index, item) in imported.into_iter().enumerate() {
        let key = (item.source.clone(), item.version.clone());
        if let Some(added) = known.get(&key) {
            outcomes.push(Some(Ok(added.clone())));
            continue;
        }
        // The same object twice in one add: one report, found after the commit.
        if in_this_add.insert(key, index).is_some() {
            outcomes.push(None);
            continue;
        }
        let source = StixSource {
            object_id: item.source,
            version: item.version,
        };
        let submission = item.submission.into_inner();
        let report = reports::new_report(seat, seat.community_id.clone(), submission);
        submitted.push((report, vec![source]));
        positions.push(index);
        outcomes.push(None);
    }
    let results = state.pipeline.submit_all(submitted).await;
    for (index, result) in positions.into_iter().zip(results) {
        let source = &keys[index].0;
        match result {
            Ok(committed) => {
                let added = fresh(source, committed);
                known.insert(
                    keys[index].clone(),
                    Added {
                        duplicate: true,
                        ..added.clone()
                    },
                );
                outcomes[index] = Some(Ok(added));
            }
            // Most likely a concurrent add of the same object won the race:
            // its report is the answer; anything else is logged, not shown.
            Err(error) => tracing::warn!(%source, %error, "an imported report was not stored"),
        }
    }
    let missing: Vec<(String, String)> = outcomes
        .iter()
        .zip(&keys)
        .filter(|(outcome, key)| outcome.is_none() && !known.contains_key(*key))
        .map(|(_, key)| key.clone())
        .collect();
    known.extend(earlier(state, seat, &missing).await?);
    Ok(outcomes
        .into_iter()
        .zip(&keys)
        .map(|(outcome, key)| match outcome {
            Some(outcome) => outcome,
            None => known.get(key).cloned().ok_or(NOT_STORED),
        })
        .collect())
}

fn fresh(source: &str, committed: Committed) -> Added {
    Added {
        source: source.to_string(),
        report_id: committed.report_id,
        case_id: committed.case_id,
        status: committed.status.to_string(),
        duplicate: false,
    }
}

/// The reports `seat`'s organisation made earlier in its community from the
/// objects `keys` name (id, version), marked as duplicates.
async fn earlier(
    state: &AppState,
    seat: &Seat,
    keys: &[(String, String)],
) -> Result<HashMap<(String, String), Added>, ApiError> {
    let mut found = HashMap::new();
    let mut ids: Vec<&str> = keys.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(500) {
        let sql = earlier_sql(chunk.len());
        let mut query = sqlx::query(&sql)
            .bind(&seat.community_id)
            .bind(seat.organisation_id);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&state.db).await? {
            let key: (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let added = Added {
                source: key.0.clone(),
                report_id: row.try_get(2)?,
                case_id: row.try_get(3)?,
                status: row.try_get(4)?,
                duplicate: true,
            };
            found.insert(key, added);
        }
    }
    Ok(found)
}

/// The search for `count` object ids among a community's and organisation's
/// sources (`$1`, `$2`), made by [`earlier`].
pub(crate) fn earlier_sql(count: usize) -> String {
    format!(
        "SELECT s.object_id, s.version, r.id, r.case_id, r.status FROM stix_sources s \
         JOIN reports r ON r.id = s.report_id \
         WHERE s.community_id = $1 AND s.organisation = $2 AND s.object_id IN ({})",
        bulk::placeholders(3, count)
    )
}

#[cfg(test)]
#[path = "stix_import_tests.rs"]
mod tests;
