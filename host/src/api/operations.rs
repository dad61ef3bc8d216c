//! What community operators (and the secretariat) look at: the quarantine, with a
//! re-run once the plugin is fixed, the decision log, and the audit log.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use sqlx::Row;

use super::extract::Path;
use super::{ApiError, AppState, Principal};
use crate::model::Report;
use crate::store;

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
        "SELECT report_id, plugin_digest, stage, fault, at FROM quarantine WHERE community_id = $1 AND released_at IS NULL ORDER BY at, report_id",
    )
    .bind(&id)
    .fetch_all(&state.db)
    .await?;
    let items: Result<Vec<Value>, sqlx::Error> = rows
        .iter()
        .map(|r| {
            Ok(json!({"report_id": r.try_get::<String, _>(0)?, "plugin": r.try_get::<String, _>(1)?,
                      "stage": r.try_get::<String, _>(2)?, "fault": r.try_get::<String, _>(3)?, "at": r.try_get::<i64, _>(4)?}))
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
        "SELECT report_id, plugin_digest, inputs, outputs, fault, log, duration_us, at FROM decisions \
         WHERE community_id = $1 ORDER BY id DESC LIMIT 200",
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
            Ok(json!({
                "report_id": r.try_get::<String, _>(0)?, "plugin": r.try_get::<String, _>(1)?,
                "inputs": parse(r.try_get(2)?), "outputs": parse(r.try_get(3)?), "fault": r.try_get::<Option<String>, _>(4)?,
                "log": parse(r.try_get(5)?), "duration_us": r.try_get::<i64, _>(6)?, "at": r.try_get::<i64, _>(7)?,
            }))
        })
        .collect();
    Ok(Json(json!({ "decisions": items? })))
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
