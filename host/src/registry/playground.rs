//! The policy playground: a version decides a report written for the purpose,
//! against the community's current roster, in the sandbox, beside the active
//! version with the same inputs and the same `now` (as a shadow run is), and
//! nothing is stored or delivered: only an audit entry says the run happened.
//! The answer says per member whether it would receive the report and why,
//! the exact view, the delay, and what the version would show it beyond what
//! the active one shows.
//!
//! The decision is the pipeline's own ([`Pipeline::dry_run_at`]): plugin,
//! guardrails and redaction exactly as a live report gets them.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use super::content_diff::{self, Change, Seen};
use crate::model::{Report, Tlp};
use crate::pipeline::{Outcome, Pipeline, Plan, PlanError, Policy};
use crate::view::View;

/// What one member would get under one version.
#[derive(Debug, Clone, Serialize)]
pub struct MemberOutcome {
    pub received: bool,
    /// Stable codes in the order the host applies its rules: `quarantined`,
    /// `own_organisation`, `tlp_red`, `routed` / `not_routed`, then
    /// `redacted` and `delayed`.
    pub why: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<View>,
    pub delay_seconds: u32,
}

/// One member of the community and what each version would give it.
#[derive(Debug, Clone, Serialize)]
pub struct MemberRun {
    pub member: u64,
    pub organisation: String,
    pub candidate: MemberOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<MemberOutcome>,
    /// How the candidate's view differs from the active one's (extra text is
    /// what this member would read only under the candidate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

/// A playground run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub community: String,
    pub candidate_digest: String,
    pub active_digest: Option<String>,
    /// The candidate's fault, when it faulted (the report would be quarantined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate_fault: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_fault: Option<String>,
    /// Members whose outcome differs between the two versions.
    pub differing: usize,
    pub members: Vec<MemberRun>,
    /// The run as a fixture file for `isac-host plugin test`: the report, the
    /// time, the settings and the audience, with the candidate's fingerprints
    /// (and its correlation, when it opens a new case: joining one needs the
    /// candidate cases, which a fixture would have to carry) as expectations.
    #[serde(skip)]
    pub fixture: serde_json::Value,
}

/// Decides `report` under `candidate` and under the community's active policy
/// (when there is one) at the same moment, stores nothing but an audit entry
/// by `actor`, and tells each approved member of the community what it would
/// get.
pub async fn run(
    pipeline: &Pipeline,
    candidate: Policy,
    report: Report,
    actor: &str,
) -> Result<Run, PlanError> {
    let community = report.community.clone();
    let now = crate::store::clock::now_utc();
    let active = pipeline.policy(&community).await?;
    let candidate_digest = candidate.plugin.digest().hex();
    let settings: serde_json::Value =
        serde_json::from_str(&candidate.settings).unwrap_or(serde_json::Value::Null);
    let candidate_plan = pipeline.dry_run_at(candidate, report.clone(), now).await?;
    let active_plan = match &active {
        Some(policy) => Some(
            pipeline
                .dry_run_at(policy.clone(), report.clone(), now)
                .await?,
        ),
        None => None,
    };
    let changes = changes(active_plan.as_ref(), &candidate_plan);
    let mut members = Vec::new();
    for (member, organisation_id, organisation) in roster(pipeline, &community).await? {
        let of = |plan: &Plan| outcome(plan, &report, member, organisation_id);
        let candidate = of(&candidate_plan);
        let active = active_plan.as_ref().map(of);
        members.push(MemberRun {
            member,
            organisation,
            candidate,
            active,
            change: changes.get(&member).cloned(),
        });
    }
    let differing = members
        .iter()
        .filter(|m| {
            m.change.is_some()
                || m.active
                    .as_ref()
                    .is_some_and(|a| a.received != m.candidate.received)
        })
        .count();
    let audience: Vec<_> = pipeline
        .roster()
        .await?
        .for_community(&community)
        .members
        .iter()
        .filter(|m| m.in_community)
        .cloned()
        .collect();
    let fixture = fixture(&candidate_plan, settings, now, &audience);
    let mut conn = pipeline.db.acquire().await?;
    let detail = serde_json::json!({"plugin": candidate_digest, "tlp": report.tlp}).to_string();
    crate::store::audit(&mut conn, actor, "playground.run", &community, &detail).await?;
    Ok(Run {
        community,
        active_digest: active.map(|p| p.plugin.digest().hex()),
        candidate_fault: candidate_plan.decision.fault.clone(),
        active_fault: active_plan.and_then(|p| p.decision.fault),
        candidate_digest,
        differing,
        members,
        fixture,
    })
}

fn fixture(
    plan: &Plan,
    settings: serde_json::Value,
    now: time::OffsetDateTime,
    audience: &[crate::model::Member],
) -> serde_json::Value {
    let outputs = plan.decision.outputs.clone().unwrap_or_default();
    let mut expect = serde_json::json!({ "fingerprints": outputs["fingerprints"] });
    if outputs["correlation"].get("new_case").is_some() {
        expect["correlation"] = outputs["correlation"].clone();
    }
    serde_json::json!({
        "description": format!("playground run on {}", plan.report.community),
        "community": plan.report.community,
        "settings": settings,
        "now": crate::model::unix_time::to_rfc3339(now.unix_timestamp()),
        "report": plan.report,
        "audience": audience,
        "expect": expect,
    })
}

/// The approved members of `community`: id, organisation id and name.
async fn roster(
    pipeline: &Pipeline,
    community: &str,
) -> Result<Vec<(u64, u64, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT m.id, m.organisation_id, o.name FROM members m JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.community_id = $1 AND m.status = 'approved' ORDER BY m.id",
    )
    .bind(community)
    .fetch_all(&pipeline.db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get::<i64, _>(0)? as u64,
                row.try_get::<i64, _>(1)? as u64,
                row.try_get(2)?,
            ))
        })
        .collect()
}

/// Per member, how the candidate's view differs from the active one's.
fn changes(active: Option<&Plan>, candidate: &Plan) -> BTreeMap<u64, Change> {
    let Some(active) = active else {
        return BTreeMap::new();
    };
    let diff = content_diff::diff(&Seen::of_plan(active), &Seen::of_plan(candidate));
    let mut changes = BTreeMap::new();
    for group in diff.views_differ {
        for member in group.members {
            changes.insert(member, group.change.clone());
        }
    }
    changes
}

/// What `member` gets under `plan`, and why.
fn outcome(plan: &Plan, report: &Report, member: u64, organisation: u64) -> MemberOutcome {
    let Outcome::Delivered { groups, .. } = &plan.outcome else {
        return MemberOutcome {
            received: false,
            why: vec!["quarantined"],
            view: None,
            delay_seconds: 0,
        };
    };
    let group = groups.iter().find(|g| g.recipients.contains(&member));
    let mut why = Vec::new();
    if group.is_some() && organisation == report.submitter_organisation {
        why.push("own_organisation");
    } else if report.tlp == Tlp::Red && !report.named_recipients.contains(&member) {
        why.push("tlp_red");
    } else if group.is_some() {
        why.push("routed");
    } else {
        why.push("not_routed");
    }
    if let Some(group) = group {
        let redacted = &group.view.redacted;
        if redacted.masked_spans > 0
            || redacted.dropped_indicators > 0
            || !redacted.dropped_fields.is_empty()
        {
            why.push("redacted");
        }
        if group.delay_seconds > 0 {
            why.push("delayed");
        }
    }
    MemberOutcome {
        received: group.is_some(),
        why,
        view: group.map(|g| g.view.clone()),
        delay_seconds: group.map(|g| g.delay_seconds).unwrap_or(0),
    }
}
