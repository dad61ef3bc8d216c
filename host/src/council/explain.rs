//! "Why did this member get this?": for one report and one member, whether it
//! received the report, which view and when, and the rule that decided it:
//! the host's guardrails (community, approval, TLP:RED's named recipients, the
//! submitting organisation's own copy) or the plugin's routing, down to the
//! contract 0.2 selector that chose the member. Built from what was stored
//! when the report was decided (its views, its decision record), so it
//! explains what happened, not what the current policy would do.

use serde::Serialize;
use serde_json::Value;
use sqlx::{AnyPool, Row};

use crate::model::{self, Report, Tlp};
use crate::pipeline::Pipeline;
use crate::runtime::selectors::Selector;
use crate::view::{RedactionSummary, View};

/// The answer for one report and member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Explanation {
    pub report: String,
    pub community: String,
    pub member: ExplainedMember,
    pub received: bool,
    /// The view the member received, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// Why, in the order the host applied its rules; `code` is stable, `text`
    /// is for people.
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExplainedMember {
    pub id: i64,
    pub organisation: String,
    pub community: String,
    pub status: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub available_at: time::OffsetDateTime,
    /// The delay the decision set for the member's group, in seconds.
    pub delay_seconds: i64,
    pub tlp: Tlp,
    pub redacted: RedactionSummary,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reason {
    pub code: &'static str,
    pub text: String,
    /// For `selector`: the plugin's group (counted from 0) and its selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Value>>)]
    pub selector: Option<(usize, Selector)>,
}

fn reason(code: &'static str, text: impl Into<String>) -> Reason {
    Reason {
        code,
        text: text.into(),
        selector: None,
    }
}

/// Why it could not be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("no such report in this community")]
    NoReport,
    #[error("no such member in this community")]
    NoMember,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data does not parse: {0}")]
    Stored(String),
}

/// Explains what `member` got of `report_id`, a report of `community`.
pub async fn explain(
    pipeline: &Pipeline,
    community: &str,
    report_id: &str,
    member: i64,
) -> Result<Explanation, ExplainError> {
    let db = &pipeline.db;
    let row =
        sqlx::query("SELECT original, status FROM reports WHERE id = $1 AND community_id = $2")
            .bind(report_id)
            .bind(community)
            .fetch_optional(db)
            .await?
            .ok_or(ExplainError::NoReport)?;
    let original: String = row.try_get(0)?;
    let status: String = row.try_get(1)?;
    let report: Report =
        serde_json::from_str(&original).map_err(|e| ExplainError::Stored(e.to_string()))?;
    let (organisation_id, explained) = explained_member(db, community, member).await?;
    let outputs = decision_outputs(db, &report).await?;
    let delivery = delivery(db, report_id, member, &outputs).await?;
    let mut reasons = Vec::new();
    let own_organisation = organisation_id as u64 == report.submitter_organisation;
    if status == "quarantined" {
        reasons.push(reason(
            "quarantined",
            "the plugin faulted on this report: it is quarantined and nobody received it",
        ));
    } else if own_organisation && delivery.is_some() {
        reasons.push(reason(
            "own_organisation",
            "the member acts for the submitting organisation, which always receives the original",
        ));
    } else if delivery.is_none() && explained.status != "approved" {
        reasons.push(reason(
            "not_approved",
            format!(
                "the member is {} now; only approved members are in a report's audience",
                explained.status
            ),
        ));
    } else if report.tlp == Tlp::Red && !report.named_recipients.contains(&(member as u64)) {
        reasons.push(reason(
            "tlp_red",
            "TLP:RED reaches only the recipients the submitter named, and this member is not one",
        ));
    } else {
        let received = delivery.is_some();
        reasons.extend(routing(pipeline, &report, &outputs, member, received).await?);
    }
    if let Some(delivery) = &delivery {
        reasons.extend(view_reasons(delivery));
    }
    Ok(Explanation {
        report: report_id.to_string(),
        community: community.to_string(),
        member: explained,
        received: delivery.is_some(),
        delivery,
        reasons,
    })
}

impl Explanation {
    /// What the member itself is told: its delivery and the rules, without
    /// the plugin's selectors (a `members` selector lists other recipients).
    pub fn for_the_member(mut self) -> Explanation {
        for reason in &mut self.reasons {
            reason.selector = None;
        }
        self
    }
}

/// A member of `community` (members of other communities are not explained
/// here: a report reaches them only as a forwarded copy, decided there).
async fn explained_member(
    db: &AnyPool,
    community: &str,
    member: i64,
) -> Result<(i64, ExplainedMember), ExplainError> {
    let row = sqlx::query(
        "SELECT m.organisation_id, o.name, m.community_id, m.status FROM members m \
         JOIN organisations o ON o.id = m.organisation_id WHERE m.id = $1 AND m.community_id = $2",
    )
    .bind(member)
    .bind(community)
    .fetch_optional(db)
    .await?
    .ok_or(ExplainError::NoMember)?;
    let explained = ExplainedMember {
        id: member,
        organisation: row.try_get(1)?,
        community: row.try_get(2)?,
        status: row.try_get(3)?,
    };
    Ok((row.try_get(0)?, explained))
}

/// The view of `report_id` that `member` received, if any.
async fn delivery(
    db: &AnyPool,
    report_id: &str,
    member: i64,
    outputs: &Value,
) -> Result<Option<Delivery>, ExplainError> {
    let rows =
        sqlx::query("SELECT available_at, content, recipients FROM views WHERE report_id = $1")
            .bind(report_id)
            .fetch_all(db)
            .await?;
    for row in rows {
        let recipients: String = row.try_get(2)?;
        if !recipients.split(',').any(|id| id == member.to_string()) {
            continue;
        }
        let content: String = row.try_get(1)?;
        let view: View =
            serde_json::from_str(&content).map_err(|e| ExplainError::Stored(e.to_string()))?;
        let available_at: i64 = row.try_get(0)?;
        return Ok(Some(Delivery {
            available_at: time::OffsetDateTime::from_unix_timestamp(available_at)
                .map_err(|e| ExplainError::Stored(e.to_string()))?,
            delay_seconds: planned_delay(outputs, member),
            tlp: view.tlp,
            redacted: view.redacted,
        }));
    }
    Ok(None)
}

/// The latest decision's outputs for `report` (`null` when there is none).
async fn decision_outputs(db: &AnyPool, report: &Report) -> Result<Value, ExplainError> {
    let outputs: Option<Option<String>> = sqlx::query_scalar(
        "SELECT outputs FROM decisions WHERE report_id = $1 AND community_id = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(&report.id)
    .bind(&report.community)
    .fetch_optional(db)
    .await?;
    Ok(outputs
        .flatten()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null))
}

/// The delay of the decided group holding `member`.
fn planned_delay(outputs: &Value, member: i64) -> i64 {
    let groups = outputs["groups"].as_array().into_iter().flatten();
    groups
        .filter(|g| {
            let recipients = g["recipients"].as_array().into_iter().flatten();
            recipients.filter_map(Value::as_i64).any(|id| id == member)
        })
        .find_map(|g| g["delay_seconds"].as_i64())
        .unwrap_or(0)
}

/// The plugin's part: routed to the member or not, and for a contract 0.2
/// plugin the first of its selectors that chooses the member (by the member's
/// attributes now).
async fn routing(
    pipeline: &Pipeline,
    report: &Report,
    outputs: &Value,
    member: i64,
    received: bool,
) -> Result<Vec<Reason>, ExplainError> {
    let mut reasons = vec![if received {
        reason("routed", "the plugin's routing delivered it to this member")
    } else {
        reason("not_routed", "the plugin's routing left this member out")
    }];
    let selectors: Vec<Selector> =
        serde_json::from_value(outputs["selectors"].clone()).unwrap_or_default();
    if selectors.is_empty() {
        return Ok(reasons);
    }
    let roster = pipeline.roster().await?;
    let candidates = roster.for_community(&report.community);
    let Some(attributes) = candidates.members.iter().find(|m| m.id == member as u64) else {
        return Ok(reasons);
    };
    match selectors.iter().position(|s| s.chooses(attributes, report)) {
        Some(index) => reasons.push(Reason {
            code: "selector",
            text: format!("the plugin's group {index} chooses this member"),
            selector: Some((index, selectors[index].clone())),
        }),
        None => reasons.push(reason(
            "no_selector",
            format!(
                "none of the plugin's {} selectors chooses this member",
                selectors.len()
            ),
        )),
    }
    Ok(reasons)
}

/// What the member's view withholds, and when it became available.
fn view_reasons(delivery: &Delivery) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let redacted = &delivery.redacted;
    let dropped: Vec<String> = redacted
        .dropped_fields
        .iter()
        .map(model::label_name)
        .collect();
    if !dropped.is_empty() || redacted.masked_spans > 0 || redacted.dropped_indicators > 0 {
        reasons.push(reason(
            "redacted",
            format!(
                "the view withholds: fields [{}], {} masked span(s), {} indicator(s)",
                dropped.join(", "),
                redacted.masked_spans,
                redacted.dropped_indicators
            ),
        ));
    }
    if delivery.delay_seconds > 0 {
        reasons.push(reason(
            "delayed",
            format!("held back {} s after submission", delivery.delay_seconds),
        ));
    }
    reasons
}
