//! Writes a [`Plan`] in the caller's transaction: the original, its case link,
//! fingerprints, views, deliveries, the decision log entry and the forwards.

use sqlx::AnyConnection;

use super::cases;
use super::plan::{Outcome, Plan};
use crate::model;
use crate::store;

/// What was written for one report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Committed {
    pub report_id: String,
    pub community: String,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    pub deliveries: usize,
    pub groups: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forwards: Vec<Committed>,
    /// (member, view) pairs of this report and its forwards, for the group commit
    /// to record in the inbox with the rest of its batch.
    #[serde(skip)]
    pub(crate) delivered: Vec<(i64, i64)>,
}

/// Whether the report row exists already (a quarantined report being re-run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    New,
    Existing,
}

pub async fn commit(
    conn: &mut AnyConnection,
    plan: &Plan,
    row: Row,
) -> Result<Committed, sqlx::Error> {
    let report = &plan.report;
    let (status, case_id) = match &plan.outcome {
        Outcome::Quarantined { .. } => ("quarantined", None),
        Outcome::Delivered { correlation, .. } => (
            "delivered",
            Some(cases::record(conn, report, correlation).await?),
        ),
    };
    write_report(conn, plan, row, status, case_id.as_deref()).await?;
    write_decision(conn, plan).await?;
    let mut committed = Committed {
        report_id: report.id.clone(),
        community: report.community.clone(),
        status,
        case_id: case_id.clone(),
        deliveries: 0,
        groups: 0,
        forwards: Vec::new(),
        delivered: Vec::new(),
    };
    match &plan.outcome {
        Outcome::Quarantined { stage, fault } => {
            sqlx::query(
                "INSERT INTO quarantine (report_id, community_id, plugin_digest, stage, fault, at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (report_id) DO UPDATE SET plugin_digest = $3, stage = $4, fault = $5, at = $6, released_at = NULL",
            )
            .bind(&report.id)
            .bind(&report.community)
            .bind(&plan.decision.plugin_digest)
            .bind(stage.to_string())
            .bind(fault)
            .bind(store::now())
            .execute(&mut *conn)
            .await?;
        }
        Outcome::Delivered {
            fingerprints,
            groups,
            forwards,
            ..
        } => {
            let case_id = case_id.unwrap_or_default();
            if row == Row::Existing {
                sqlx::query("UPDATE quarantine SET released_at = $1 WHERE report_id = $2")
                    .bind(store::now())
                    .bind(&report.id)
                    .execute(&mut *conn)
                    .await?;
            }
            for fingerprint in fingerprints {
                sqlx::query(
                    "INSERT INTO report_fingerprints (report_id, community_id, fingerprint, case_id) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&report.id)
                .bind(&report.community)
                .bind(fingerprint)
                .bind(&case_id)
                .execute(&mut *conn)
                .await?;
            }
            let now = store::now();
            for group in groups {
                let content = serde_json::to_string(&group.view)
                    .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                let view_id: i64 = sqlx::query_scalar(
                    "INSERT INTO views (report_id, case_id, community_id, available_at, content) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&report.id)
                .bind(&case_id)
                .bind(&report.community)
                .bind(now + i64::from(group.delay_seconds))
                .bind(content)
                .fetch_one(&mut *conn)
                .await?;
                committed.delivered.extend(
                    group
                        .recipients
                        .iter()
                        .map(|&member| (member as i64, view_id)),
                );
                committed.deliveries += group.recipients.len();
                committed.groups += 1;
            }
            for forward in forwards {
                let mut child = Box::pin(commit(conn, forward, Row::New)).await?;
                committed.delivered.append(&mut child.delivered);
                committed.forwards.push(child);
            }
        }
    }
    Ok(committed)
}

async fn write_report(
    conn: &mut AnyConnection,
    plan: &Plan,
    row: Row,
    status: &str,
    case_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    let report = &plan.report;
    if row == Row::Existing {
        sqlx::query(
            "UPDATE reports SET status = $1, case_id = $2, plugin_digest = $3 WHERE id = $4",
        )
        .bind(status)
        .bind(case_id)
        .bind(&plan.decision.plugin_digest)
        .bind(&report.id)
        .execute(conn)
        .await?;
        return Ok(());
    }
    let original = serde_json::to_string(report).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO reports (id, community_id, submitter, organisation, submitted_at, tlp, confidence, original, status, case_id, plugin_digest, forwarded_from) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&report.id)
    .bind(&report.community)
    .bind(report.submitter as i64)
    .bind(report.submitter_organisation as i64)
    .bind(report.submitted_at.unix_timestamp())
    .bind(model::label_name(&report.tlp))
    .bind(model::label_name(&report.confidence))
    .bind(original)
    .bind(status)
    .bind(case_id)
    .bind(&plan.decision.plugin_digest)
    .bind(plan.forwarded_from.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

async fn write_decision(conn: &mut AnyConnection, plan: &Plan) -> Result<(), sqlx::Error> {
    let d = &plan.decision;
    sqlx::query(
        "INSERT INTO decisions (report_id, community_id, plugin_digest, inputs, outputs, fault, log, duration_us, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&plan.report.id)
    .bind(&plan.report.community)
    .bind(&d.plugin_digest)
    .bind(d.inputs.to_string())
    .bind(d.outputs.as_ref().map(|o| o.to_string()))
    .bind(d.fault.as_deref())
    .bind(d.log.to_string())
    .bind(d.duration_us)
    .bind(store::now())
    .execute(conn)
    .await?;
    Ok(())
}
