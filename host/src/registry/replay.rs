//! Replay: a candidate policy decides the community's last N stored reports again,
//! without writing anything, and each decision is diffed against the one stored
//! in the decision log. Candidate cases are read as they are now, so a report may
//! see cases opened after it was first decided.

use serde_json::Value;
use sqlx::Row;

use super::RegistryError;
use super::diff::{Decided, diff};
use crate::model::Report;
use crate::pipeline::{Pipeline, Policy};
use crate::plugin_text;

/// One replayed report: an empty `diff` object means the candidate agrees.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Replayed {
    pub report_id: String,
    pub decided_by: String,
    pub diff: Value,
}

/// The ids, originals and latest decisions of the community's last `last` reports,
/// oldest first.
pub async fn last_reports(
    pipeline: &Pipeline,
    community: &str,
    last: i64,
) -> Result<Vec<(Report, String, Decided)>, RegistryError> {
    let rows = sqlx::query(
        "SELECT r.original, r.case_id, d.plugin_digest, d.outputs, d.fault FROM reports r \
         JOIN decisions d ON d.id = (SELECT MAX(id) FROM decisions WHERE report_id = r.id) \
         WHERE r.community_id = $1 ORDER BY d.id DESC LIMIT $2",
    )
    .bind(community)
    .bind(last)
    .fetch_all(&pipeline.db)
    .await?;
    let mut reports = Vec::with_capacity(rows.len());
    for row in rows.iter().rev() {
        let original: String = row.try_get(0)?;
        let report: Report =
            serde_json::from_str(&original).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let case_id: Option<String> = row.try_get(1)?;
        let outputs: Option<String> = row.try_get(3)?;
        let outputs: Option<Value> = outputs.and_then(|o| serde_json::from_str(&o).ok());
        let fault: Option<String> = row.try_get(4)?;
        let stored = Decided::from_outputs(outputs.as_ref(), fault.as_deref(), case_id.as_deref());
        reports.push((report, row.try_get(2)?, stored));
    }
    Ok(reports)
}

/// Decides one stored report under `candidate` and diffs it against what happened.
pub async fn replay_one(
    pipeline: &Pipeline,
    candidate: &Policy,
    report: Report,
    decided_by: String,
    stored: &Decided,
) -> Result<Replayed, RegistryError> {
    let report_id = report.id.clone();
    let tlp = report.tlp;
    let plan = pipeline.dry_run(candidate.clone(), report).await?;
    let replayed = Decided::from_outputs(
        plan.decision.outputs.as_ref(),
        plan.decision.fault.as_deref(),
        None,
    );
    let mut diff = diff(stored, &replayed);
    // Fault messages may quote the report: shown under its TLP, as over the API.
    if let Some(faults) = diff.get_mut("fault").and_then(Value::as_object_mut) {
        for side in faults.values_mut() {
            if let Some(text) = side.as_str() {
                *side = plugin_text::fault(tlp, text);
            }
        }
    }
    Ok(Replayed {
        report_id,
        decided_by,
        diff,
    })
}
