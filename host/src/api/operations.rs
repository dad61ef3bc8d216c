//! What community operators (and the secretariat) look at: the quarantine, with a
//! re-run once the plugin is fixed, the decision log, and the audit log. What a
//! plugin wrote while deciding a report is shown under the report's TLP
//! (`plugin_text`).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use sqlx::Row;

use super::extract::Path;
use super::{ApiError, AppState, Principal};
use crate::model::{self, Report, Tlp};
use crate::{plugin_text, store};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities/{id}/quarantine", get(quarantine))
        .route("/communities/{id}/quarantine/{report}/rerun", post(rerun))
        .route("/communities/{id}/decisions", get(decisions))
        .route("/audit", get(audit))
}

async fn quarantine(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
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
    let items: Result<Vec<Value>, sqlx::Error> = rows
        .iter()
        .map(|r| {
            let tlp = report_tlp(&r.try_get::<String, _>(5)?);
            Ok(json!({"report_id": r.try_get::<String, _>(0)?, "plugin": r.try_get::<String, _>(1)?,
                      "stage": r.try_get::<String, _>(2)?, "fault": plugin_text::fault(tlp, &r.try_get::<String, _>(3)?),
                      "at": r.try_get::<i64, _>(4)?}))
        })
        .collect();
    Ok(Json(json!({ "quarantined": items? })))
}

async fn rerun(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, report_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
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
        committed.status,
    )
    .await?;
    Ok(Json(
        serde_json::to_value(&committed).map_err(|e| ApiError::Internal(e.to_string()))?,
    ))
}

async fn decisions(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
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
    let items: Result<Vec<Value>, sqlx::Error> = rows
        .iter()
        .map(|r| {
            let tlp = report_tlp(&r.try_get::<String, _>(8)?);
            let fault: Option<String> = r.try_get(4)?;
            Ok(json!({
                "report_id": r.try_get::<String, _>(0)?, "plugin": r.try_get::<String, _>(1)?,
                "inputs": parse(r.try_get(2)?), "outputs": decision_outputs(tlp, parse(r.try_get(3)?)),
                "fault": fault.map(|f| plugin_text::fault(tlp, &f)),
                "log": decision_log(tlp, parse(r.try_get(5)?)), "duration_us": r.try_get::<i64, _>(6)?, "at": r.try_get::<i64, _>(7)?,
            }))
        })
        .collect();
    let items = items?;
    let member_names = store::names_of_members(&state.db, &id, &json!(items)).await?;
    Ok(Json(
        json!({ "decisions": items, "member_names": member_names }),
    ))
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

async fn audit(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    if principal != Principal::Secretariat {
        return Err(ApiError::Forbidden);
    }
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, object, detail FROM audit_log ORDER BY seq DESC LIMIT 200",
    )
    .fetch_all(&state.db)
    .await?;
    let items: Result<Vec<Value>, sqlx::Error> = rows
        .iter()
        .map(|r| {
            Ok(json!({"seq": r.try_get::<i64, _>(0)?, "at": r.try_get::<i64, _>(1)?, "actor": r.try_get::<String, _>(2)?,
                      "action": r.try_get::<String, _>(3)?, "object": r.try_get::<String, _>(4)?, "detail": r.try_get::<String, _>(5)?}))
        })
        .collect();
    Ok(Json(json!({ "entries": items? })))
}
