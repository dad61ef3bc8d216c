//! What a [`Plan`] writes: the original, its case link, fingerprints, views,
//! deliveries, the decision log entry and the forwards, as [`Rows`] that the group
//! commit writes in one transaction with the rest of its batch.

use super::cases;
use super::plan::{Outcome, Plan};
use super::rows::{self, Rows, StixSource};
use crate::model::{self, ReportStatus};
use crate::store;

/// What was written for one report.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Committed {
    pub report_id: String,
    pub community: String,
    pub status: ReportStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    pub deliveries: usize,
    pub groups: usize,
    /// The copies forwarded to other communities, each decided there (always
    /// present, empty when there are none, so a client need not test for it).
    #[schema(no_recursion)]
    pub forwards: Vec<Committed>,
}

/// Whether the report row exists already (a quarantined report being re-run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    New,
    Existing,
}

/// Hands out view ids in increasing order (see [`rows::last_view_id`]).
pub struct ViewIds(pub i64);

impl ViewIds {
    fn next(&mut self) -> i64 {
        self.0 += 1;
        self.0
    }
}

fn encode(e: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Encode(Box::new(e))
}

/// What committing `plan` writes (with the STIX objects its report was
/// imported from, if any), and what its submitter will be told.
pub fn rows(
    plan: &Plan,
    row: Row,
    sources: &[StixSource],
    view_ids: &mut ViewIds,
) -> Result<(Committed, Rows), sqlx::Error> {
    let mut rows = Rows::default();
    let committed = add(&mut rows, plan, row, view_ids)?;
    let report = &plan.report;
    rows.stix_sources
        .extend(sources.iter().map(|source| rows::SourceRow {
            community: report.community.clone(),
            organisation: report.submitter_organisation as i64,
            report_id: report.id.clone(),
            source: source.clone(),
        }));
    Ok((committed, rows))
}

fn add(
    rows: &mut Rows,
    plan: &Plan,
    row: Row,
    view_ids: &mut ViewIds,
) -> Result<Committed, sqlx::Error> {
    let report = &plan.report;
    let now = store::now();
    let (status, case_id) = match &plan.outcome {
        Outcome::Quarantined { .. } => (ReportStatus::Quarantined, None),
        Outcome::Delivered {
            correlation,
            case_id,
            ..
        } => {
            cases::record(rows, report, correlation, case_id);
            (ReportStatus::Delivered, Some(case_id.clone()))
        }
    };
    add_report(rows, plan, row, status, case_id.as_deref(), now)?;
    add_decision(rows, plan, now);
    let mut committed = Committed {
        report_id: report.id.clone(),
        community: report.community.clone(),
        status,
        case_id: case_id.clone(),
        deliveries: 0,
        groups: 0,
        forwards: Vec::new(),
    };
    match &plan.outcome {
        Outcome::Quarantined { stage, fault } => rows.quarantined.push(rows::Quarantined {
            report_id: report.id.clone(),
            community: report.community.clone(),
            plugin_digest: plan.decision.plugin_digest.clone(),
            stage: stage.to_string(),
            fault: fault.clone(),
            at: now,
        }),
        Outcome::Delivered {
            fingerprints,
            groups,
            forwards,
            ..
        } => {
            let case_id = case_id.unwrap_or_default();
            rows.fingerprints
                .extend(fingerprints.iter().map(|fingerprint| rows::Fingerprint {
                    report_id: report.id.clone(),
                    community: report.community.clone(),
                    fingerprint: fingerprint.clone(),
                    case_id: case_id.clone(),
                }));
            for group in groups {
                rows.views.push(rows::ViewRow {
                    id: view_ids.next(),
                    report_id: report.id.clone(),
                    case_id: case_id.clone(),
                    community: report.community.clone(),
                    available_at: now + i64::from(group.delay_seconds),
                    content: serde_json::to_string(&group.view).map_err(encode)?,
                    recipients: store::inbox::recipients_text(&group.recipients),
                });
                committed.deliveries += group.recipients.len();
                committed.groups += 1;
            }
            for forward in forwards {
                committed
                    .forwards
                    .push(add(rows, forward, Row::New, view_ids)?);
            }
        }
    }
    Ok(committed)
}

fn add_report(
    rows: &mut Rows,
    plan: &Plan,
    row: Row,
    status: ReportStatus,
    case_id: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let report = &plan.report;
    if row == Row::Existing {
        rows.redecided.push(rows::Redecided {
            report_id: report.id.clone(),
            status,
            case_id: case_id.map(str::to_string),
            plugin_digest: plan.decision.plugin_digest.clone(),
            released_at: case_id.map(|_| now),
        });
        return Ok(());
    }
    rows.reports.push(rows::NewReport {
        id: report.id.clone(),
        community: report.community.clone(),
        submitter: report.submitter as i64,
        organisation: report.submitter_organisation as i64,
        submitted_at: report.submitted_at.unix_timestamp(),
        tlp: model::label_name(&report.tlp),
        confidence: model::label_name(&report.confidence),
        original: serde_json::to_string(report).map_err(encode)?,
        status,
        case_id: case_id.map(str::to_string),
        plugin_digest: plan.decision.plugin_digest.clone(),
        forwarded_from: plan.forwarded_from.clone(),
    });
    Ok(())
}

fn add_decision(rows: &mut Rows, plan: &Plan, now: i64) {
    let d = &plan.decision;
    rows.decisions.push(rows::DecisionRow {
        report_id: plan.report.id.clone(),
        community: plan.report.community.clone(),
        plugin_digest: d.plugin_digest.clone(),
        inputs: d.inputs.to_string(),
        outputs: d.outputs.as_ref().map(|o| o.to_string()),
        fault: d.fault.clone(),
        log: d.log.to_string(),
        duration_us: d.duration_us,
        at: now,
    });
}
