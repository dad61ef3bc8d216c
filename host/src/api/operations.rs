//! What community operators (and the secretariat) look at: the quarantine, with a
//! re-run once the plugin is fixed, the decision log, and the audit log. What a
//! plugin wrote while deciding a report is shown under the report's TLP
//! (`plugin_text`).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::Path;
use super::{ApiError, AppState, Principal};
use crate::model::{self, Report, Stored as _, Tlp};
use crate::pipeline::Committed;
use crate::{plugin_text, store};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(quarantine))
        .routes(routes!(rerun))
        .routes(routes!(decisions))
        .routes(routes!(audit))
}

#[derive(Debug, Serialize, ToSchema)]
struct Quarantined {
    report_id: String,
    /// The sha256 of the plugin that faulted.
    plugin: String,
    stage: String,
    /// The fault (its `kind` always shown, its message under the report's TLP).
    fault: Value,
    /// When (RFC 3339, UTC).
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
struct Quarantine {
    quarantined: Vec<Quarantined>,
}

/// An answer of this module's handlers as JSON, for the console's pages.
fn to_json<T: Serialize>(Json(answer): Json<T>) -> Result<Value, ApiError> {
    serde_json::to_value(answer).map_err(|e| ApiError::Internal(e.to_string()))
}

/// `GET /communities/{id}/quarantine`, for the console.
pub(crate) async fn quarantine_json(
    state: AppState,
    principal: Principal,
    id: String,
) -> Result<Value, ApiError> {
    to_json(quarantine(State(state), principal, Path(id)).await?)
}

/// `POST /communities/{id}/quarantine/{report}/rerun`, for the console.
pub(crate) async fn rerun_json(
    state: AppState,
    principal: Principal,
    id: String,
    report: String,
) -> Result<Value, ApiError> {
    to_json(rerun(State(state), principal, Path((id, report))).await?)
}

/// `GET /communities/{id}/decisions`, for the console.
pub(crate) async fn decisions_json(
    state: AppState,
    principal: Principal,
    id: String,
) -> Result<Value, ApiError> {
    to_json(decisions(State(state), principal, Path(id)).await?)
}

/// The community's quarantined reports, oldest first.
///
/// The community's operator, the secretariat.
#[utoipa::path(get, path = "/communities/{id}/quarantine", tag = "operations",
    params(("id" = String, Path, description = "the community")),
    responses((status = 200, body = Quarantine)))]
async fn quarantine(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Quarantine>, ApiError> {
    if !principal.operates(&id) {
        return Err(ApiError::Forbidden);
    }
    let rows = sqlx::query(
        "SELECT q.report_id, q.plugin_digest, q.stage, q.fault, q.at, r.tlp FROM quarantine q \
         JOIN reports r ON r.id = q.report_id \
         WHERE q.community_id = $1 AND q.released_at IS NULL ORDER BY q.at, q.report_id",
    )
    .bind(&id)
    .fetch_all(&state.db)
    .await?;
    let quarantined = rows
        .iter()
        .map(|r| {
            let tlp = report_tlp(&r.try_get::<String, _>(5)?);
            Ok(Quarantined {
                report_id: r.try_get(0)?,
                plugin: r.try_get(1)?,
                stage: r.try_get(2)?,
                fault: plugin_text::fault(tlp, &r.try_get::<String, _>(3)?),
                at: r.try_get(4)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(Quarantine { quarantined }))
}

/// Decides a quarantined report again under the community's active policy.
///
/// The community's operator, the secretariat.
#[utoipa::path(post, path = "/communities/{id}/quarantine/{report}/rerun", tag = "operations",
    params(
        ("id" = String, Path, description = "the community"),
        ("report" = String, Path, description = "the quarantined report"),
    ),
    responses((status = 200, body = Committed)))]
async fn rerun(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, report_id)): Path<(String, String)>,
) -> Result<Json<Committed>, ApiError> {
    if !principal.operates(&id) {
        return Err(ApiError::Forbidden);
    }
    let original: String = sqlx::query_scalar("SELECT original FROM reports WHERE id = $1 AND community_id = $2 AND status = 'quarantined'")
        .bind(&report_id)
        .bind(&id)
        .fetch_optional(&state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let report: Report =
        serde_json::from_str(&original).map_err(|e| ApiError::Internal(e.to_string()))?;
    let committed = state.pipeline.rerun(report).await?;
    let mut conn = state.db.acquire().await?;
    store::audit(
        &mut conn,
        &principal.actor(),
        "quarantine.rerun",
        &report_id,
        committed.status.as_str(),
    )
    .await?;
    Ok(Json(committed))
}

/// One decision of a plugin about a report, its text under the report's TLP.
#[derive(Debug, Serialize, ToSchema)]
struct LoggedDecision {
    report_id: String,
    /// The sha256 of the plugin that decided.
    plugin: String,
    /// What the plugin was given.
    inputs: Value,
    /// What it answered (fingerprints, correlation, routing, guardrail notes).
    outputs: Value,
    fault: Option<Value>,
    /// Its log lines, stdout and stderr.
    log: Value,
    duration_us: i64,
    /// When (RFC 3339, UTC).
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
struct DecisionLog {
    /// The latest 200, newest first.
    decisions: Vec<LoggedDecision>,
    /// The organisation each member named in the decisions acts for, by member id.
    #[schema(value_type = BTreeMap<String, String>)]
    member_names: serde_json::Map<String, Value>,
}

/// The community's decision log: the latest 200 decisions, newest first.
///
/// The community's operator, the secretariat.
#[utoipa::path(get, path = "/communities/{id}/decisions", tag = "operations",
    params(("id" = String, Path, description = "the community")),
    responses((status = 200, body = DecisionLog)))]
async fn decisions(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<DecisionLog>, ApiError> {
    if !principal.operates(&id) {
        return Err(ApiError::Forbidden);
    }
    let rows = sqlx::query(
        "SELECT d.report_id, d.plugin_digest, d.inputs, d.outputs, d.fault, d.log, d.duration_us, d.at, r.tlp \
         FROM decisions d JOIN reports r ON r.id = d.report_id \
         WHERE d.community_id = $1 ORDER BY d.id DESC LIMIT 200",
    )
    .bind(&id)
    .fetch_all(&state.db)
    .await?;
    let parse = |text: Option<String>| {
        text.and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .unwrap_or(Value::Null)
    };
    let decisions = rows
        .iter()
        .map(|r| {
            let tlp = report_tlp(&r.try_get::<String, _>(8)?);
            let fault: Option<String> = r.try_get(4)?;
            Ok(LoggedDecision {
                report_id: r.try_get(0)?,
                plugin: r.try_get(1)?,
                inputs: parse(r.try_get(2)?),
                outputs: decision_outputs(tlp, parse(r.try_get(3)?)),
                fault: fault.map(|f| plugin_text::fault(tlp, &f)),
                log: decision_log(tlp, parse(r.try_get(5)?)),
                duration_us: r.try_get(6)?,
                at: r.try_get(7)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let named = serde_json::to_value(&decisions).map_err(|e| ApiError::Internal(e.to_string()))?;
    let member_names = store::names_of_members(&state.db, &id, &named).await?;
    Ok(Json(DecisionLog {
        decisions,
        member_names,
    }))
}

/// A stored report's TLP; one that does not parse counts as RED (fail closed).
fn report_tlp(name: &str) -> Tlp {
    model::parse_label(name).unwrap_or(Tlp::Red)
}

/// The plugin's own text in a decision's outputs (fingerprints, a new case's
/// title, guardrail notes that quote what it asked for) under the report's TLP.
fn decision_outputs(tlp: Tlp, mut outputs: Value) -> Value {
    for key in ["fingerprints", "guardrails"] {
        if let Some(value) = outputs.get_mut(key) {
            *value = plugin_text::strings(tlp, value.take());
        }
    }
    if let Some(title) = outputs.pointer_mut("/correlation/new_case") {
        *title = plugin_text::strings(tlp, title.take());
    }
    outputs
}

/// A decision's log (lines, stdout, stderr) under the report's TLP.
fn decision_log(tlp: Tlp, mut log: Value) -> Value {
    for line in log
        .get_mut("lines")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(message) = line.get_mut("message") {
            *message = plugin_text::strings(tlp, message.take());
        }
    }
    for key in ["stdout", "stderr"] {
        if let Some(value) = log.get_mut(key) {
            *value = plugin_text::strings(tlp, value.take());
        }
    }
    log
}

#[derive(Debug, Serialize, ToSchema)]
struct AuditEntry {
    /// The entry's place in the hash chain.
    seq: i64,
    /// When (RFC 3339, UTC).
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    at: i64,
    actor: String,
    action: String,
    object: String,
    detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct AuditLog {
    /// The latest 200, newest first.
    entries: Vec<AuditEntry>,
}

/// The audit log: the latest 200 entries, newest first.
///
/// The secretariat.
#[utoipa::path(get, path = "/audit", tag = "operations",
    responses((status = 200, body = AuditLog)))]
async fn audit(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<AuditLog>, ApiError> {
    if principal != Principal::Secretariat {
        return Err(ApiError::Forbidden);
    }
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, object, detail FROM audit_log ORDER BY seq DESC LIMIT 200",
    )
    .fetch_all(&state.db)
    .await?;
    let entries = rows
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                seq: r.try_get(0)?,
                at: r.try_get(1)?,
                actor: r.try_get(2)?,
                action: r.try_get(3)?,
                object: r.try_get(4)?,
                detail: r.try_get(5)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(AuditLog { entries }))
}
