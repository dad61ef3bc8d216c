//! Deciding a report: the community's plugin (fingerprints, candidate lookup,
//! correlate, route) followed by the host's guardrails. Nothing is written here;
//! the result is a [`Plan`] that `commit` writes in one transaction, forwards
//! included, so a report is never half-delivered.

use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;

use super::Pipeline;
use super::audience::Candidates;
use super::cases::BundleCases;
use super::evaluate::{Evaluated, EvaluatedAll, evaluate};
use crate::model::{CaseSummary, Correlation, Report};
use crate::runtime::{Plugin, Stage};
use crate::view::View;

/// A community's policy as configured now.
#[derive(Debug, Clone)]
pub struct Policy {
    pub community: String,
    pub plugin: Arc<Plugin>,
    pub settings: String,
}

/// Members receiving one view after a delay.
#[derive(Debug, Clone)]
pub struct PlannedGroup {
    pub view: View,
    pub recipients: Vec<u64>,
    pub delay_seconds: u32,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Delivered {
        correlation: Correlation,
        /// The case it joins, or the id of the case it opens.
        case_id: String,
        fingerprints: Vec<String>,
        groups: Vec<PlannedGroup>,
        forwards: Vec<Plan>,
    },
    Quarantined {
        stage: Stage,
        fault: String,
    },
}

/// What the decision log keeps of one evaluation.
#[derive(Debug, Clone)]
pub struct DecisionRecord {
    pub plugin_digest: String,
    pub inputs: serde_json::Value,
    pub outputs: Option<serde_json::Value>,
    pub fault: Option<String>,
    pub log: serde_json::Value,
    pub duration_us: i64,
}

/// Everything decided about one report (and its forwards), ready to commit.
#[derive(Debug, Clone)]
pub struct Plan {
    pub report: Report,
    pub forwarded_from: Option<String>,
    pub outcome: Outcome,
    pub decision: DecisionRecord,
}

/// Why planning stopped without a plan (plugin faults are not errors: they quarantine).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the stored plugin {digest} cannot be loaded: {reason}")]
    Plugin { digest: String, reason: String },
    #[error("evaluation thread: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// Decides `report` under `policy`, then its forwards under their communities' policies.
pub async fn plan(
    pipeline: &Pipeline,
    policy: Policy,
    report: Report,
    forwarded_from: Option<String>,
) -> Result<Plan, PlanError> {
    let now = crate::store::clock::now_utc();
    plan_placed(pipeline, policy, report, forwarded_from, None, now).await
}

/// [`plan`] with the plugins told that the time is `now`: a shadow version is
/// given the same time as the active one it is compared with.
pub async fn plan_at(
    pipeline: &Pipeline,
    policy: Policy,
    report: Report,
    now: OffsetDateTime,
) -> Result<Plan, PlanError> {
    plan_placed(pipeline, policy, report, None, None, now).await
}

/// [`plan`], except that when `placed` is given the host has already chosen the
/// report's case (a note or feedback on that case): the plugin is not asked to
/// correlate, only to fingerprint and route.
pub async fn plan_placed(
    pipeline: &Pipeline,
    policy: Policy,
    report: Report,
    forwarded_from: Option<String>,
    placed: Option<CaseSummary>,
    now: OffsetDateTime,
) -> Result<Plan, PlanError> {
    let candidates = pipeline.roster().await?.for_community(&report.community);
    let report = candidates.describe_submitter(report);
    let items = vec![(report.clone(), placed)];
    let alone = BundleCases::default();
    let evaluated = in_slot(pipeline, &policy, items, &candidates, now, alone)
        .await?
        .0
        .pop()
        .ok_or_else(|| sqlx::Error::Protocol("no evaluation".into()))??;
    finish(pipeline, policy, report, forwarded_from, evaluated, now).await
}

/// Reports evaluated per slot by [`plan_all`]: few enough that a report of the
/// same community submitted alone waits behind a short run, not a whole bundle.
const EVALUATIONS_PER_SLOT: usize = 16;

/// Decides new reports of `policy`'s community submitted together (a STIX
/// bundle): each exactly as [`plan_at`] would, but evaluated a few at a time
/// on one blocking thread, which spares each report a thread hop, a slot hand-off
/// and a database connection of its own. One result per report, in order.
pub async fn plan_all(
    pipeline: &Pipeline,
    policy: Policy,
    reports: Vec<Report>,
    now: OffsetDateTime,
) -> Result<Vec<Result<Plan, PlanError>>, PlanError> {
    let candidates = pipeline.roster().await?.for_community(&policy.community);
    let reports: Vec<Report> = reports
        .into_iter()
        .map(|report| candidates.describe_submitter(report))
        .collect();
    let mut plans = Vec::with_capacity(reports.len());
    let mut opened = BundleCases::default();
    for chunk in reports.chunks(EVALUATIONS_PER_SLOT) {
        let items = chunk.iter().map(|r| (r.clone(), None)).collect();
        let evaluated;
        (evaluated, opened) = in_slot(pipeline, &policy, items, &candidates, now, opened).await?;
        for (report, evaluated) in chunk.iter().zip(evaluated) {
            plans.push(match evaluated {
                Ok(evaluated) => {
                    let (policy, report) = (policy.clone(), report.clone());
                    finish(pipeline, policy, report, None, evaluated, now).await
                }
                Err(error) => Err(error.into()),
            });
        }
    }
    Ok(plans)
}

/// [`evaluate`] under one of the community's evaluation slots, released as soon
/// as the plugin has answered: forwards are planned under slots of their own.
async fn in_slot(
    pipeline: &Pipeline,
    policy: &Policy,
    items: Vec<(Report, Option<CaseSummary>)>,
    candidates: &Candidates,
    now: OffsetDateTime,
    opened: BundleCases,
) -> Result<EvaluatedAll, tokio::task::JoinError> {
    let _slot = pipeline.evaluations.acquire(&policy.community).await;
    let (db, policy, candidates) = (pipeline.db.clone(), policy.clone(), candidates.clone());
    evaluate(db, policy, items, candidates, now, opened).await
}

/// The plan for `report` from its evaluation: the forwards planned under their
/// communities' policies.
async fn finish(
    pipeline: &Pipeline,
    policy: Policy,
    report: Report,
    forwarded_from: Option<String>,
    evaluated: Evaluated,
    now: OffsetDateTime,
) -> Result<Plan, PlanError> {
    let inputs = json!({ "report": report.id, "community": report.community, "audience": evaluated.audience_size });
    let mut decision = DecisionRecord {
        plugin_digest: policy.plugin.digest().hex(),
        inputs,
        outputs: None,
        fault: None,
        log: serde_json::to_value(&evaluated.log).unwrap_or_default(),
        duration_us: evaluated.duration_us,
    };
    let fault = evaluated.result.as_ref().err().map(|e| e.fault.kind());
    let took = std::time::Duration::from_micros(evaluated.duration_us.max(0) as u64);
    crate::telemetry::evaluated(&policy.community, &decision.plugin_digest, took, fault);
    let (decided, case_id) = match evaluated.result {
        Ok(decided) => decided,
        Err(error) => {
            decision.fault = Some(error.to_string());
            let outcome = Outcome::Quarantined {
                stage: error.stage,
                fault: error.fault.to_string(),
            };
            return Ok(Plan {
                report,
                forwarded_from,
                outcome,
                decision,
            });
        }
    };
    let mut notes = decided.notes;
    let mut forwards = Vec::new();
    for (community, copy) in decided.forwards {
        match pipeline.policy(&community).await? {
            Some(target) => forwards.push(
                Box::pin(plan_placed(
                    pipeline,
                    target,
                    copy,
                    Some(report.id.clone()),
                    None,
                    now,
                ))
                .await?,
            ),
            None => notes.push(format!(
                "dropped the forward to {community}: no such community"
            )),
        }
    }
    decision.outputs = Some(json!({
        "fingerprints": decided.fingerprints,
        "correlation": decided.correlation,
        "groups": decided.groups.iter().map(|g| json!({"recipients": g.recipients, "delay_seconds": g.delay_seconds, "redacted": g.view.redacted})).collect::<Vec<_>>(),
        "forwards": forwards.iter().map(|f| &f.report.community).collect::<Vec<_>>(),
        "guardrails": notes,
        "selectors": decided.selectors,
    }));
    let outcome = Outcome::Delivered {
        correlation: decided.correlation,
        case_id,
        fingerprints: decided.fingerprints,
        groups: decided.groups,
        forwards,
    };
    Ok(Plan {
        report,
        forwarded_from,
        outcome,
        decision,
    })
}
